import type { AggregateDefinition } from '../shared/aggregate.ts';
import { orderCommandSchemas } from './commands.ts';
import type { OrderCommand } from './commands.ts';
import { orderDecider } from './decider.ts';
import { orderEventSchemas } from './events.ts';
import type { OrderEvent } from './events.ts';
import type { OrderState } from './state.ts';

/**
 * The Order aggregate (订单): stream category `Order`, its decider and its command/event schemas.
 *
 * @example
 * const def = orderAggregate.commands['order.place'];
 * const data = def.schema.parse(input); // then decide on stream `Order-${def.aggregateId(data)}`
 */
export const orderAggregate: AggregateDefinition<OrderCommand, OrderEvent, OrderState> = {
  category: 'Order',
  decider: orderDecider,
  commands: {
    'order.place': {
      schema: orderCommandSchemas['order.place'],
      aggregateId: (d) => d.orderId,
      creates: true,
      description: 'Place an order received through a channel; promised times default to the standard lead time.',
    },
    'order.verify': {
      schema: orderCommandSchemas['order.verify'],
      aggregateId: (d) => d.orderId,
      description: 'Record that customer and goods details and pricing were checked (订单接收与审核).',
    },
    'order.accept': {
      schema: orderCommandSchemas['order.accept'],
      aggregateId: (d) => d.orderId,
      description: 'Accept a placed or verified order (after its credit is reserved).',
    },
    'order.reject': {
      schema: orderCommandSchemas['order.reject'],
      aggregateId: (d) => d.orderId,
      description: 'Reject a placed or verified order, e.g. credit refused.',
    },
    'order.prepare': {
      schema: orderCommandSchemas['order.prepare'],
      aggregateId: (d) => d.orderId,
      description: 'Record picking of every line: quantity picked and whether the stock was damaged.',
    },
    'order.dispatch': {
      schema: orderCommandSchemas['order.dispatch'],
      aggregateId: (d) => d.orderId,
      description: 'Dispatch a prepared order: carrier, transport mode, tracking number.',
    },
    'order.recordTracking': {
      schema: orderCommandSchemas['order.recordTracking'],
      aggregateId: (d) => d.orderId,
      description: 'Record a tracking update of an order in transit.',
    },
    'order.deliver': {
      schema: orderCommandSchemas['order.deliver'],
      aggregateId: (d) => d.orderId,
      description: 'Record the handover: signatory, per line the quantity delivered and its condition.',
    },
    'order.raiseException': {
      schema: orderCommandSchemas['order.raiseException'],
      aggregateId: (d) => d.orderId,
      description: 'Raise a damage, loss, delay or handover-dispute exception after dispatch; a loss is final.',
    },
    'order.resolveException': {
      schema: orderCommandSchemas['order.resolveException'],
      aggregateId: (d) => d.orderId,
      description: 'Resolve an open exception of the order.',
    },
    'order.complete': {
      schema: orderCommandSchemas['order.complete'],
      aggregateId: (d) => d.orderId,
      description: 'Complete a delivered order that has no open exceptions.',
    },
    'order.cancel': {
      schema: orderCommandSchemas['order.cancel'],
      aggregateId: (d) => d.orderId,
      description: 'Cancel an order before dispatch.',
    },
    'order.reserveReturn': {
      schema: orderCommandSchemas['order.reserveReturn'],
      aggregateId: (d) => d.orderId,
      description: 'Reserve returned quantities against delivered quantities (idempotent by returnId).',
    },
    'order.releaseReturn': {
      schema: orderCommandSchemas['order.releaseReturn'],
      aggregateId: (d) => d.orderId,
      description: 'Release a return reservation (return rejected); releasing twice is a no-op.',
    },
  },
  events: {
    OrderPlaced: { ...orderEventSchemas.OrderPlaced, description: 'Order placed with resolved promised times and amounts.' },
    OrderVerified: { ...orderEventSchemas.OrderVerified, description: 'Order details and pricing verified.' },
    OrderAccepted: { ...orderEventSchemas.OrderAccepted, description: 'Order accepted (credit reserved).' },
    OrderRejected: { ...orderEventSchemas.OrderRejected, description: 'Order rejected, with the reason.' },
    OrderPrepared: { ...orderEventSchemas.OrderPrepared, description: 'Goods picked: per line picked quantity and stock condition.' },
    OrderDispatched: { ...orderEventSchemas.OrderDispatched, description: 'Order handed to the carrier.' },
    OrderTrackingUpdated: { ...orderEventSchemas.OrderTrackingUpdated, description: 'Tracking update while in transit.' },
    OrderDelivered: { ...orderEventSchemas.OrderDelivered, description: 'Handover: per line delivered quantity and condition.' },
    OrderExceptionRaised: { ...orderEventSchemas.OrderExceptionRaised, description: 'Exception raised (damage, loss, delay, handover dispute).' },
    OrderExceptionResolved: { ...orderEventSchemas.OrderExceptionResolved, description: 'Exception resolved.' },
    OrderLost: { ...orderEventSchemas.OrderLost, description: 'Order lost at occurredAt: final, a failed delivery.' },
    OrderCompleted: { ...orderEventSchemas.OrderCompleted, description: 'Order completed.' },
    OrderCancelled: { ...orderEventSchemas.OrderCancelled, description: 'Order cancelled before dispatch.' },
    OrderReturnReserved: { ...orderEventSchemas.OrderReturnReserved, description: 'Return quantities reserved against delivered quantities.' },
    OrderReturnReleased: { ...orderEventSchemas.OrderReturnReleased, description: 'Return reservation released (return rejected).' },
  },
};

export { orderDecider, decideOrder, evolveOrder } from './decider.ts';
export { initialOrderState, reservedReturnQuantity, terminalOrderStatuses } from './state.ts';
export type { ExistingOrder, OrderExceptionState, OrderLineState, OrderState, ReturnReservationState } from './state.ts';
export {
  MAX_ORDER_LINES,
  OrderExceptionKind,
  OrderLineCondition,
  OrderChannel,
  OrderRejectionReason,
  TransportMode,
  orderCommandSchemas,
  PlaceOrderData,
  PlaceOrderLine,
  VerifyOrderData,
  AcceptOrderData,
  RejectOrderData,
  PrepareOrderData,
  PreparedLineInput,
  DispatchOrderData,
  RecordOrderTrackingData,
  DeliverOrderData,
  DeliveredLineInput,
  RaiseOrderExceptionData,
  ResolveOrderExceptionData,
  CompleteOrderData,
  CancelOrderData,
  ReserveOrderReturnData,
  OrderReturnLineInput,
  ReleaseOrderReturnData,
} from './commands.ts';
export type {
  OrderCommand,
  PlaceOrder,
  VerifyOrder,
  AcceptOrder,
  RejectOrder,
  PrepareOrder,
  DispatchOrder,
  RecordOrderTracking,
  DeliverOrder,
  RaiseOrderException,
  ResolveOrderException,
  CompleteOrder,
  CancelOrder,
  ReserveOrderReturn,
  ReleaseOrderReturn,
} from './commands.ts';
export {
  orderEventSchemas,
  OrderStatus,
  PromiseSource,
  OrderLine,
  PreparedLine,
  DeliveredLine,
  OrderReturnLine,
  OrderPlacedData,
  OrderVerifiedData,
  OrderAcceptedData,
  OrderRejectedData,
  OrderPreparedData,
  OrderDispatchedData,
  OrderTrackingUpdatedData,
  OrderDeliveredData,
  OrderExceptionRaisedData,
  OrderExceptionResolvedData,
  OrderLostData,
  OrderCompletedData,
  OrderCancelledData,
  OrderReturnReservedData,
  OrderReturnReleasedData,
} from './events.ts';
export type {
  OrderEvent,
  OrderPlaced,
  OrderVerified,
  OrderAccepted,
  OrderRejected,
  OrderPrepared,
  OrderDispatched,
  OrderTrackingUpdated,
  OrderDelivered,
  OrderExceptionRaised,
  OrderExceptionResolved,
  OrderLost,
  OrderCompleted,
  OrderCancelled,
  OrderReturnReserved,
  OrderReturnReleased,
} from './events.ts';
