import { z } from 'zod';
import { Id, IsoDateTime, MoneyFen, OptionalText, Quantity, QuantityOrZero, Text, uniqueLineIds } from '../shared/values.ts';

/** Reason of a return: error (误差, wrong goods), damage (损坏), shortage (缺漏), other. */
export const ReturnReason = z.enum(['error', 'damage', 'shortage', 'other']);
export type ReturnReason = z.infer<typeof ReturnReason>;

/** Outcome of an approved return (000:17): refund, exchange (换货) or compensation (赔付). */
export const ReturnOutcome = z.enum(['refund', 'exchange', 'compensation']);
export type ReturnOutcome = z.infer<typeof ReturnOutcome>;

/** What became of the returned goods (001:213). */
export const ReturnDisposition = z.enum(['restocked', 'scrapped', 'repaired', 'returned_to_supplier', 'other']);
export type ReturnDisposition = z.infer<typeof ReturnDisposition>;

/** Most lines a return may have (as many as an order). */
export const MAX_RETURN_LINES = 500;


/** One returned line: the order line and the quantity the customer returns. */
export const ReturnLineRequest = z.object({ lineId: Id, quantity: Quantity });
export type ReturnLineRequest = z.infer<typeof ReturnLineRequest>;

export const RequestReturnData = z
  .object({
    returnId: Id,
    orderId: Id,
    customerId: Id,
    /** Number of the return slip (成品退货单). */
    slipNumber: Text(64),
    reason: ReturnReason,
    lines: z.array(ReturnLineRequest).min(1).max(MAX_RETURN_LINES),
    description: OptionalText(2000),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => uniqueLineIds(d.lines, ctx));
export type RequestReturnData = z.infer<typeof RequestReturnData>;

/** The quantity the returns clerk actually found for one requested line (0..requested). */
export const InspectedLineInput = z.object({ lineId: Id, actualQuantity: QuantityOrZero });
export type InspectedLineInput = z.infer<typeof InspectedLineInput>;

export const InspectReturnData = z
  .object({
    returnId: Id,
    /** The returns clerk (退货处理员, 000:60-64). */
    clerk: Text(256),
    /** Every requested line exactly once. */
    lines: z.array(InspectedLineInput).min(1).max(MAX_RETURN_LINES),
    /** The clerk could establish the cause of the return. */
    causeConfirmed: z.boolean(),
    /** The cause found; required when `causeConfirmed`, may differ from the stated reason. */
    confirmedReason: ReturnReason.optional(),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    uniqueLineIds(d.lines, ctx);
    if (d.causeConfirmed && d.confirmedReason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['confirmedReason'], message: 'confirmedReason is required when causeConfirmed' });
    }
    if (!d.causeConfirmed && d.confirmedReason !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['confirmedReason'], message: 'confirmedReason given but causeConfirmed is false' });
    }
  });
export type InspectReturnData = z.infer<typeof InspectReturnData>;

export const NotifyDistributionCentreData = z.object({
  returnId: Id,
  /** The distribution centre's reference for the return information, if any. */
  reference: OptionalText(128),
  occurredAt: IsoDateTime,
});
export type NotifyDistributionCentreData = z.infer<typeof NotifyDistributionCentreData>;

export const ReviewReturnData = z.object({
  returnId: Id,
  /** Who did the second review of the documents (复审). */
  reviewer: Text(256),
  passed: z.boolean(),
  notes: OptionalText(2000),
  occurredAt: IsoDateTime,
});
export type ReviewReturnData = z.infer<typeof ReviewReturnData>;

export const ApproveReturnData = z.object({ returnId: Id, by: Text(256), occurredAt: IsoDateTime });
export type ApproveReturnData = z.infer<typeof ApproveReturnData>;

export const RejectReturnData = z.object({ returnId: Id, by: Text(256), reason: Text(2000), occurredAt: IsoDateTime });
export type RejectReturnData = z.infer<typeof RejectReturnData>;

export const SettleReturnData = z
  .object({
    returnId: Id,
    outcome: ReturnOutcome,
    /** Refunded or compensated amount in fen; 0 for an exchange, positive otherwise. */
    amountFen: MoneyFen,
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    if (d.outcome === 'exchange' && d.amountFen !== 0) {
      ctx.addIssue({ code: 'custom', path: ['amountFen'], message: 'an exchange has amountFen 0' });
    }
    if (d.outcome !== 'exchange' && d.amountFen === 0) {
      ctx.addIssue({ code: 'custom', path: ['amountFen'], message: `a ${d.outcome} needs a positive amountFen` });
    }
  });
export type SettleReturnData = z.infer<typeof SettleReturnData>;

export const RecordReturnDispositionData = z.object({
  returnId: Id,
  disposition: ReturnDisposition,
  notes: OptionalText(2000),
  occurredAt: IsoDateTime,
});
export type RecordReturnDispositionData = z.infer<typeof RecordReturnDispositionData>;

export const CloseReturnData = z.object({ returnId: Id, occurredAt: IsoDateTime });
export type CloseReturnData = z.infer<typeof CloseReturnData>;

export type RequestReturn = { type: 'return.request'; data: RequestReturnData };
export type InspectReturn = { type: 'return.inspect'; data: InspectReturnData };
export type NotifyDistributionCentre = { type: 'return.notifyDistributionCentre'; data: NotifyDistributionCentreData };
export type ReviewReturn = { type: 'return.review'; data: ReviewReturnData };
export type ApproveReturn = { type: 'return.approve'; data: ApproveReturnData };
export type RejectReturn = { type: 'return.reject'; data: RejectReturnData };
export type SettleReturn = { type: 'return.settle'; data: SettleReturnData };
export type RecordReturnDisposition = { type: 'return.recordDisposition'; data: RecordReturnDispositionData };
export type CloseReturn = { type: 'return.close'; data: CloseReturnData };

/** Every command the ReturnRequest aggregate takes. */
export type ReturnRequestCommand =
  | RequestReturn
  | InspectReturn
  | NotifyDistributionCentre
  | ReviewReturn
  | ApproveReturn
  | RejectReturn
  | SettleReturn
  | RecordReturnDisposition
  | CloseReturn;

/** Command type name -> zod schema of its data. */
export const returnRequestCommandSchemas = {
  'return.request': RequestReturnData,
  'return.inspect': InspectReturnData,
  'return.notifyDistributionCentre': NotifyDistributionCentreData,
  'return.review': ReviewReturnData,
  'return.approve': ApproveReturnData,
  'return.reject': RejectReturnData,
  'return.settle': SettleReturnData,
  'return.recordDisposition': RecordReturnDispositionData,
  'return.close': CloseReturnData,
} as const satisfies {
  [T in ReturnRequestCommand['type']]: z.ZodType<Extract<ReturnRequestCommand, { type: T }>['data']>;
};
