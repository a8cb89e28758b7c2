import { z } from 'zod';
import { DispatchPreference } from '../shared/reference.ts';
import { Id, IsoDateTime, MoneyFen, Quantity, QuantityOrZero, Text } from '../shared/values.ts';
import { OrderExceptionKind, OrderLineCondition, OrderChannel, OrderRejectionReason, TransportMode } from './commands.ts';

// Every event carries orderId, customerId and occurredAt (the business time of the fact), plus the
// earlier times a projection needs for its indicator, so read models never read other streams.

const base = { orderId: Id, customerId: Id, occurredAt: IsoDateTime };

/** Where the promised times came from: the customer, the standard lead time, or one of each. */
export const PromiseSource = z.enum(['customer', 'standard', 'mixed']);
export type PromiseSource = z.infer<typeof PromiseSource>;

/** Order lifecycle statuses (also used in events that record where the order stood). */
export const OrderStatus = z.enum([
  'placed',
  'verified',
  'accepted',
  'rejected',
  'prepared',
  'dispatched',
  'delivered',
  'completed',
  'cancelled',
  'lost',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderLine = z.object({
  lineId: Id,
  sku: Text(64),
  description: Text(500),
  quantity: Quantity,
  unitPriceFen: MoneyFen,
  /** quantity * unitPriceFen. */
  amountFen: MoneyFen,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderPlacedData = z.object({
  ...base,
  channel: OrderChannel,
  lines: z.array(OrderLine).min(1),
  /** Sum of the lines' amounts, integer fen. */
  totalAmountFen: MoneyFen,
  urgent: z.boolean(),
  dispatchPreference: DispatchPreference,
  /** Resolved promise: the customer's, else occurredAt + standard (or urgent) lead time. */
  promisedDispatchAt: IsoDateTime,
  promisedDeliveryAt: IsoDateTime,
  promiseSource: PromiseSource,
});
export type OrderPlacedData = z.infer<typeof OrderPlacedData>;

export const OrderVerifiedData = z.object({
  ...base,
  verifiedBy: Text(256),
  notes: z.string().max(2000).optional(),
});
export type OrderVerifiedData = z.infer<typeof OrderVerifiedData>;

export const OrderAcceptedData = z.object({
  ...base,
  /** Amount the credit reservation covers. */
  totalAmountFen: MoneyFen,
  placedAt: IsoDateTime,
});
export type OrderAcceptedData = z.infer<typeof OrderAcceptedData>;

export const OrderRejectedData = z.object({
  ...base,
  reason: OrderRejectionReason,
  detail: z.string().max(2000).optional(),
  totalAmountFen: MoneyFen,
  placedAt: IsoDateTime,
});
export type OrderRejectedData = z.infer<typeof OrderRejectedData>;

export const PreparedLine = z.object({
  lineId: Id,
  orderedQuantity: Quantity,
  pickedQuantity: QuantityOrZero,
  /** pickedQuantity < orderedQuantity: a stock-out (缺货). */
  stockOut: z.boolean(),
  stockDamaged: z.boolean(),
});
export type PreparedLine = z.infer<typeof PreparedLine>;

export const OrderPreparedData = z.object({
  ...base,
  pickListNumber: z.string().max(64).optional(),
  lines: z.array(PreparedLine).min(1),
  /** Every line picked at the ordered quantity (shipping accuracy). */
  pickedInFull: z.boolean(),
  /** For preparation time = occurredAt - acceptedAt. */
  acceptedAt: IsoDateTime,
});
export type OrderPreparedData = z.infer<typeof OrderPreparedData>;

export const OrderDispatchedData = z.object({
  ...base,
  carrier: Text(200),
  transportMode: TransportMode,
  trackingNumber: Text(128),
  /** On-time dispatch: occurredAt <= promisedDispatchAt. */
  promisedDispatchAt: IsoDateTime,
  /** Copied from OrderPrepared: shipping accuracy is bucketed by dispatch time. */
  pickedInFull: z.boolean(),
  placedAt: IsoDateTime,
  acceptedAt: IsoDateTime,
});
export type OrderDispatchedData = z.infer<typeof OrderDispatchedData>;

export const OrderTrackingUpdatedData = z.object({
  ...base,
  location: Text(500),
  statusNote: Text(1000),
  /** The previous tracking point (dispatch or the last update): the gap timely tracking measures. */
  previousPointAt: IsoDateTime,
  dispatchedAt: IsoDateTime,
});
export type OrderTrackingUpdatedData = z.infer<typeof OrderTrackingUpdatedData>;

export const DeliveredLine = z.object({
  lineId: Id,
  orderedQuantity: Quantity,
  deliveredQuantity: QuantityOrZero,
  condition: OrderLineCondition,
});
export type DeliveredLine = z.infer<typeof DeliveredLine>;

export const OrderDeliveredData = z.object({
  ...base,
  signatory: Text(256),
  lines: z.array(DeliveredLine).min(1),
  /** Every line delivered at the ordered quantity. */
  inFull: z.boolean(),
  /** A line handed over damaged, or a damage exception raised before delivery. */
  damageRecorded: z.boolean(),
  promisedDeliveryAt: IsoDateTime,
  placedAt: IsoDateTime,
  dispatchedAt: IsoDateTime,
  /** The previous tracking point (dispatch or the last update), for the last tracking gap. */
  previousPointAt: IsoDateTime,
});
export type OrderDeliveredData = z.infer<typeof OrderDeliveredData>;

export const OrderExceptionRaisedData = z.object({
  ...base,
  exceptionId: Id,
  kind: OrderExceptionKind,
  description: Text(2000),
  /** Where the order stood when the exception was raised. */
  orderStatus: z.enum(['dispatched', 'delivered']),
  /** Set when raised after delivery: a later damage report moves the delivery's damage-free bucket. */
  deliveredAt: IsoDateTime.optional(),
});
export type OrderExceptionRaisedData = z.infer<typeof OrderExceptionRaisedData>;

export const OrderExceptionResolvedData = z.object({
  ...base,
  exceptionId: Id,
  kind: OrderExceptionKind,
  resolution: Text(2000),
  raisedAt: IsoDateTime,
});
export type OrderExceptionResolvedData = z.infer<typeof OrderExceptionResolvedData>;

/** The order was lost at occurredAt (always follows OrderExceptionRaised{kind:'loss'} in the same append). */
export const OrderLostData = z.object({
  ...base,
  exceptionId: Id,
  description: Text(2000),
  totalAmountFen: MoneyFen,
  promisedDeliveryAt: IsoDateTime,
  placedAt: IsoDateTime,
  dispatchedAt: IsoDateTime,
  /** The previous tracking point (dispatch or the last update), for the last tracking gap. */
  previousPointAt: IsoDateTime,
});
export type OrderLostData = z.infer<typeof OrderLostData>;

export const OrderCompletedData = z.object({
  ...base,
  deliveredAt: IsoDateTime,
  placedAt: IsoDateTime,
});
export type OrderCompletedData = z.infer<typeof OrderCompletedData>;

export const OrderCancelledData = z.object({
  ...base,
  reason: Text(1000),
  previousStatus: z.enum(['placed', 'verified', 'accepted', 'prepared']),
  /** True when the order had been accepted (credit reserved; counts as accepted-not-dispatched). */
  wasAccepted: z.boolean(),
  totalAmountFen: MoneyFen,
  placedAt: IsoDateTime,
  acceptedAt: IsoDateTime.optional(),
});
export type OrderCancelledData = z.infer<typeof OrderCancelledData>;

export const OrderReturnLine = z.object({ lineId: Id, quantity: Quantity });
export type OrderReturnLine = z.infer<typeof OrderReturnLine>;

export const OrderReturnReservedData = z.object({
  ...base,
  returnId: Id,
  /** Sorted by lineId. */
  lines: z.array(OrderReturnLine).min(1),
  deliveredAt: IsoDateTime,
});
export type OrderReturnReservedData = z.infer<typeof OrderReturnReservedData>;

export const OrderReturnReleasedData = z.object({
  ...base,
  returnId: Id,
  reason: Text(1000),
  /** The quantities freed (those the reservation held). */
  lines: z.array(OrderReturnLine).min(1),
});
export type OrderReturnReleasedData = z.infer<typeof OrderReturnReleasedData>;

export type OrderPlaced = { type: 'OrderPlaced'; data: OrderPlacedData };
export type OrderVerified = { type: 'OrderVerified'; data: OrderVerifiedData };
export type OrderAccepted = { type: 'OrderAccepted'; data: OrderAcceptedData };
export type OrderRejected = { type: 'OrderRejected'; data: OrderRejectedData };
export type OrderPrepared = { type: 'OrderPrepared'; data: OrderPreparedData };
export type OrderDispatched = { type: 'OrderDispatched'; data: OrderDispatchedData };
export type OrderTrackingUpdated = { type: 'OrderTrackingUpdated'; data: OrderTrackingUpdatedData };
export type OrderDelivered = { type: 'OrderDelivered'; data: OrderDeliveredData };
export type OrderExceptionRaised = { type: 'OrderExceptionRaised'; data: OrderExceptionRaisedData };
export type OrderExceptionResolved = { type: 'OrderExceptionResolved'; data: OrderExceptionResolvedData };
export type OrderLost = { type: 'OrderLost'; data: OrderLostData };
export type OrderCompleted = { type: 'OrderCompleted'; data: OrderCompletedData };
export type OrderCancelled = { type: 'OrderCancelled'; data: OrderCancelledData };
export type OrderReturnReserved = { type: 'OrderReturnReserved'; data: OrderReturnReservedData };
export type OrderReturnReleased = { type: 'OrderReturnReleased'; data: OrderReturnReleasedData };

/** Every event of the Order aggregate. */
export type OrderEvent =
  | OrderPlaced
  | OrderVerified
  | OrderAccepted
  | OrderRejected
  | OrderPrepared
  | OrderDispatched
  | OrderTrackingUpdated
  | OrderDelivered
  | OrderExceptionRaised
  | OrderExceptionResolved
  | OrderLost
  | OrderCompleted
  | OrderCancelled
  | OrderReturnReserved
  | OrderReturnReleased;

/** Event type name -> zod schema of its data and the schema version written today. */
export const orderEventSchemas = {
  OrderPlaced: { schema: OrderPlacedData, schemaVersion: 1 },
  OrderVerified: { schema: OrderVerifiedData, schemaVersion: 1 },
  OrderAccepted: { schema: OrderAcceptedData, schemaVersion: 1 },
  OrderRejected: { schema: OrderRejectedData, schemaVersion: 1 },
  OrderPrepared: { schema: OrderPreparedData, schemaVersion: 1 },
  OrderDispatched: { schema: OrderDispatchedData, schemaVersion: 1 },
  OrderTrackingUpdated: { schema: OrderTrackingUpdatedData, schemaVersion: 1 },
  OrderDelivered: { schema: OrderDeliveredData, schemaVersion: 1 },
  OrderExceptionRaised: { schema: OrderExceptionRaisedData, schemaVersion: 1 },
  OrderExceptionResolved: { schema: OrderExceptionResolvedData, schemaVersion: 1 },
  OrderLost: { schema: OrderLostData, schemaVersion: 1 },
  OrderCompleted: { schema: OrderCompletedData, schemaVersion: 1 },
  OrderCancelled: { schema: OrderCancelledData, schemaVersion: 1 },
  OrderReturnReserved: { schema: OrderReturnReservedData, schemaVersion: 1 },
  OrderReturnReleased: { schema: OrderReturnReleasedData, schemaVersion: 1 },
} as const satisfies {
  [T in OrderEvent['type']]: { schema: z.ZodType<Extract<OrderEvent, { type: T }>['data']>; schemaVersion: number };
};
