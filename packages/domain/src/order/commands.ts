import { z } from 'zod';
import { DispatchPreference } from '../shared/reference.ts';
import { Id, IsoDateTime, MoneyFen, OptionalText, Quantity, QuantityOrZero, Text, isBefore, uniqueLineIds } from '../shared/values.ts';

/** How the order reached the company (001:110-113). */
export const OrderChannel = z.enum(['front_desk', 'phone', 'fax', 'email', 'web']);
export type OrderChannel = z.infer<typeof OrderChannel>;

/** Why an order is rejected; `credit_refused` is appended by the application when the credit reservation fails. */
export const OrderRejectionReason = z.enum(['credit_refused', 'invalid_details', 'out_of_service_area', 'other']);
export type OrderRejectionReason = z.infer<typeof OrderRejectionReason>;

/** How the goods travel (制单发运). */
export const TransportMode = z.enum(['road', 'rail', 'air', 'sea', 'courier']);
export type TransportMode = z.infer<typeof TransportMode>;

/** Condition of a line at handover (交接). */
export const OrderLineCondition = z.enum(['intact', 'damaged']);
export type OrderLineCondition = z.infer<typeof OrderLineCondition>;

/** Kinds of order exception (异常处理). A `loss` is final: the order becomes `lost`. */
export const OrderExceptionKind = z.enum(['damage', 'loss', 'delay', 'handover_dispute']);
export type OrderExceptionKind = z.infer<typeof OrderExceptionKind>;

/** Most lines an order may have. */
export const MAX_ORDER_LINES = 500;


/** One ordered line: quantity and unit price in fen. */
export const PlaceOrderLine = z.object({
  lineId: Id,
  sku: Text(64),
  description: Text(500),
  quantity: Quantity,
  unitPriceFen: MoneyFen,
});
export type PlaceOrderLine = z.infer<typeof PlaceOrderLine>;

export const PlaceOrderData = z
  .object({
    orderId: Id,
    customerId: Id,
    channel: OrderChannel,
    lines: z.array(PlaceOrderLine).min(1).max(MAX_ORDER_LINES),
    urgent: z.boolean(),
    dispatchPreference: DispatchPreference,
    /** Customer's promised dispatch time; the standard lead time applies when absent. */
    promisedDispatchAt: IsoDateTime.optional(),
    /** Customer's promised delivery time; the standard lead time applies when absent. */
    promisedDeliveryAt: IsoDateTime.optional(),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    uniqueLineIds(d.lines, ctx);
    if (d.promisedDispatchAt && isBefore(d.promisedDispatchAt, d.occurredAt)) {
      ctx.addIssue({ code: 'custom', path: ['promisedDispatchAt'], message: 'promised dispatch is before placement' });
    }
    if (d.promisedDeliveryAt && isBefore(d.promisedDeliveryAt, d.occurredAt)) {
      ctx.addIssue({ code: 'custom', path: ['promisedDeliveryAt'], message: 'promised delivery is before placement' });
    }
    if (d.promisedDispatchAt && d.promisedDeliveryAt && isBefore(d.promisedDeliveryAt, d.promisedDispatchAt)) {
      ctx.addIssue({ code: 'custom', path: ['promisedDeliveryAt'], message: 'promised delivery is before promised dispatch' });
    }
  });
export type PlaceOrderData = z.infer<typeof PlaceOrderData>;

export const VerifyOrderData = z.object({
  orderId: Id,
  /** Who checked customer and goods details and pricing (订单接收与审核). */
  verifiedBy: Text(256),
  notes: OptionalText(2000),
  occurredAt: IsoDateTime,
});
export type VerifyOrderData = z.infer<typeof VerifyOrderData>;

export const AcceptOrderData = z.object({ orderId: Id, occurredAt: IsoDateTime });
export type AcceptOrderData = z.infer<typeof AcceptOrderData>;

export const RejectOrderData = z.object({
  orderId: Id,
  reason: OrderRejectionReason,
  detail: OptionalText(2000),
  occurredAt: IsoDateTime,
});
export type RejectOrderData = z.infer<typeof RejectOrderData>;

/** Per order line what was picked and whether the stock was found damaged (备货整装). */
export const PreparedLineInput = z.object({
  lineId: Id,
  pickedQuantity: QuantityOrZero,
  stockDamaged: z.boolean(),
});
export type PreparedLineInput = z.infer<typeof PreparedLineInput>;

export const PrepareOrderData = z
  .object({
    orderId: Id,
    pickListNumber: OptionalText(64),
    /** Every order line exactly once. */
    lines: z.array(PreparedLineInput).min(1).max(MAX_ORDER_LINES),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => uniqueLineIds(d.lines, ctx));
export type PrepareOrderData = z.infer<typeof PrepareOrderData>;

export const DispatchOrderData = z.object({
  orderId: Id,
  carrier: Text(200),
  transportMode: TransportMode,
  trackingNumber: Text(128),
  occurredAt: IsoDateTime,
});
export type DispatchOrderData = z.infer<typeof DispatchOrderData>;

export const RecordOrderTrackingData = z.object({
  orderId: Id,
  location: Text(500),
  statusNote: Text(1000),
  occurredAt: IsoDateTime,
});
export type RecordOrderTrackingData = z.infer<typeof RecordOrderTrackingData>;

/** Per order line the quantity handed over and its condition (交接, 签字确认). */
export const DeliveredLineInput = z.object({
  lineId: Id,
  deliveredQuantity: QuantityOrZero,
  condition: OrderLineCondition,
});
export type DeliveredLineInput = z.infer<typeof DeliveredLineInput>;

export const DeliverOrderData = z
  .object({
    orderId: Id,
    signatory: Text(256),
    /** Every order line exactly once. */
    lines: z.array(DeliveredLineInput).min(1).max(MAX_ORDER_LINES),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => uniqueLineIds(d.lines, ctx));
export type DeliverOrderData = z.infer<typeof DeliverOrderData>;

export const RaiseOrderExceptionData = z.object({
  orderId: Id,
  exceptionId: Id,
  kind: OrderExceptionKind,
  description: Text(2000),
  occurredAt: IsoDateTime,
});
export type RaiseOrderExceptionData = z.infer<typeof RaiseOrderExceptionData>;

export const ResolveOrderExceptionData = z.object({
  orderId: Id,
  exceptionId: Id,
  resolution: Text(2000),
  occurredAt: IsoDateTime,
});
export type ResolveOrderExceptionData = z.infer<typeof ResolveOrderExceptionData>;

export const CompleteOrderData = z.object({ orderId: Id, occurredAt: IsoDateTime });
export type CompleteOrderData = z.infer<typeof CompleteOrderData>;

export const CancelOrderData = z.object({ orderId: Id, reason: Text(1000), occurredAt: IsoDateTime });
export type CancelOrderData = z.infer<typeof CancelOrderData>;

/** One line of a return reservation. */
export const OrderReturnLineInput = z.object({ lineId: Id, quantity: Quantity });
export type OrderReturnLineInput = z.infer<typeof OrderReturnLineInput>;

export const ReserveOrderReturnData = z
  .object({
    orderId: Id,
    returnId: Id,
    lines: z.array(OrderReturnLineInput).min(1).max(MAX_ORDER_LINES),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => uniqueLineIds(d.lines, ctx));
export type ReserveOrderReturnData = z.infer<typeof ReserveOrderReturnData>;

export const ReleaseOrderReturnData = z.object({
  orderId: Id,
  returnId: Id,
  reason: Text(1000),
  occurredAt: IsoDateTime,
});
export type ReleaseOrderReturnData = z.infer<typeof ReleaseOrderReturnData>;

export type PlaceOrder = { type: 'order.place'; data: PlaceOrderData };
export type VerifyOrder = { type: 'order.verify'; data: VerifyOrderData };
export type AcceptOrder = { type: 'order.accept'; data: AcceptOrderData };
export type RejectOrder = { type: 'order.reject'; data: RejectOrderData };
export type PrepareOrder = { type: 'order.prepare'; data: PrepareOrderData };
export type DispatchOrder = { type: 'order.dispatch'; data: DispatchOrderData };
export type RecordOrderTracking = { type: 'order.recordTracking'; data: RecordOrderTrackingData };
export type DeliverOrder = { type: 'order.deliver'; data: DeliverOrderData };
export type RaiseOrderException = { type: 'order.raiseException'; data: RaiseOrderExceptionData };
export type ResolveOrderException = { type: 'order.resolveException'; data: ResolveOrderExceptionData };
export type CompleteOrder = { type: 'order.complete'; data: CompleteOrderData };
export type CancelOrder = { type: 'order.cancel'; data: CancelOrderData };
export type ReserveOrderReturn = { type: 'order.reserveReturn'; data: ReserveOrderReturnData };
export type ReleaseOrderReturn = { type: 'order.releaseReturn'; data: ReleaseOrderReturnData };

/** Every command the Order aggregate takes. */
export type OrderCommand =
  | PlaceOrder
  | VerifyOrder
  | AcceptOrder
  | RejectOrder
  | PrepareOrder
  | DispatchOrder
  | RecordOrderTracking
  | DeliverOrder
  | RaiseOrderException
  | ResolveOrderException
  | CompleteOrder
  | CancelOrder
  | ReserveOrderReturn
  | ReleaseOrderReturn;

/** Command type name -> zod schema of its data. */
export const orderCommandSchemas = {
  'order.place': PlaceOrderData,
  'order.verify': VerifyOrderData,
  'order.accept': AcceptOrderData,
  'order.reject': RejectOrderData,
  'order.prepare': PrepareOrderData,
  'order.dispatch': DispatchOrderData,
  'order.recordTracking': RecordOrderTrackingData,
  'order.deliver': DeliverOrderData,
  'order.raiseException': RaiseOrderExceptionData,
  'order.resolveException': ResolveOrderExceptionData,
  'order.complete': CompleteOrderData,
  'order.cancel': CancelOrderData,
  'order.reserveReturn': ReserveOrderReturnData,
  'order.releaseReturn': ReleaseOrderReturnData,
} as const satisfies { [T in OrderCommand['type']]: z.ZodType<Extract<OrderCommand, { type: T }>['data']> };
