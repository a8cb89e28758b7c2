import { z } from 'zod';
import { Id, IsoDateTime, MoneyFen, Quantity, QuantityOrZero, Text } from '../shared/values.ts';
import { ReturnDisposition, ReturnLineRequest, ReturnOutcome, ReturnReason } from './commands.ts';

// Every event carries returnId, orderId, customerId and occurredAt (the business time of the fact),
// plus what a projection needs (request time, stated and confirmed reason, lines), so read models
// never read other streams.

const base = { returnId: Id, orderId: Id, customerId: Id, occurredAt: IsoDateTime };

/** ReturnRequest lifecycle statuses. */
export const ReturnStatus = z.enum([
  'requested',
  'inspected',
  'dc_notified',
  'reviewed',
  'approved',
  'rejected',
  'settled',
  'disposed',
  'closed',
]);
export type ReturnStatus = z.infer<typeof ReturnStatus>;

/** A line after inspection: what the slip said and what the clerk found. */
export const InspectedLine = z.object({
  lineId: Id,
  requestedQuantity: Quantity,
  actualQuantity: QuantityOrZero,
});
export type InspectedLine = z.infer<typeof InspectedLine>;

export const ReturnRequestedData = z.object({
  ...base,
  slipNumber: Text(64),
  reason: ReturnReason,
  lines: z.array(ReturnLineRequest).min(1),
  description: z.string().max(2000).nullable(),
});
export type ReturnRequestedData = z.infer<typeof ReturnRequestedData>;

export const ReturnInspectedData = z.object({
  ...base,
  clerk: Text(256),
  lines: z.array(InspectedLine).min(1),
  /** The reason on the request. */
  statedReason: ReturnReason,
  causeConfirmed: z.boolean(),
  /** The cause the clerk established; null when not confirmed. Returns are split by this. */
  confirmedReason: ReturnReason.nullable(),
  requestedAt: IsoDateTime,
});
export type ReturnInspectedData = z.infer<typeof ReturnInspectedData>;

export const ReturnSentToDistributionCentreData = z.object({
  ...base,
  reference: z.string().max(128).nullable(),
});
export type ReturnSentToDistributionCentreData = z.infer<typeof ReturnSentToDistributionCentreData>;

export const ReturnReviewedData = z.object({
  ...base,
  reviewer: Text(256),
  passed: z.boolean(),
  notes: z.string().max(2000).nullable(),
});
export type ReturnReviewedData = z.infer<typeof ReturnReviewedData>;

export const ReturnApprovedData = z.object({
  ...base,
  by: Text(256),
  /** Requested and actual quantities per line, as inspected. */
  lines: z.array(InspectedLine).min(1),
  confirmedReason: ReturnReason.nullable(),
  requestedAt: IsoDateTime,
});
export type ReturnApprovedData = z.infer<typeof ReturnApprovedData>;

export const ReturnRejectedData = z.object({
  ...base,
  by: Text(256),
  reason: Text(2000),
  /** The requested lines: their reservation on the order is to be released. */
  lines: z.array(ReturnLineRequest).min(1),
  fromStatus: ReturnStatus,
  requestedAt: IsoDateTime,
});
export type ReturnRejectedData = z.infer<typeof ReturnRejectedData>;

export const ReturnSettledData = z.object({
  ...base,
  outcome: ReturnOutcome,
  amountFen: MoneyFen,
  confirmedReason: ReturnReason.nullable(),
  requestedAt: IsoDateTime,
});
export type ReturnSettledData = z.infer<typeof ReturnSettledData>;

export const ReturnDispositionRecordedData = z.object({
  ...base,
  disposition: ReturnDisposition,
  notes: z.string().max(2000).nullable(),
});
export type ReturnDispositionRecordedData = z.infer<typeof ReturnDispositionRecordedData>;

export const ReturnClosedData = z.object({
  ...base,
  /** `completed` after settlement and disposition, `rejected` after a rejection. */
  result: z.enum(['completed', 'rejected']),
  outcome: ReturnOutcome.nullable(),
  requestedAt: IsoDateTime,
});
export type ReturnClosedData = z.infer<typeof ReturnClosedData>;

export type ReturnRequested = { type: 'ReturnRequested'; data: ReturnRequestedData };
export type ReturnInspected = { type: 'ReturnInspected'; data: ReturnInspectedData };
export type ReturnSentToDistributionCentre = {
  type: 'ReturnSentToDistributionCentre';
  data: ReturnSentToDistributionCentreData;
};
export type ReturnReviewed = { type: 'ReturnReviewed'; data: ReturnReviewedData };
export type ReturnApproved = { type: 'ReturnApproved'; data: ReturnApprovedData };
export type ReturnRejected = { type: 'ReturnRejected'; data: ReturnRejectedData };
export type ReturnSettled = { type: 'ReturnSettled'; data: ReturnSettledData };
export type ReturnDispositionRecorded = { type: 'ReturnDispositionRecorded'; data: ReturnDispositionRecordedData };
export type ReturnClosed = { type: 'ReturnClosed'; data: ReturnClosedData };

/** Every event of the ReturnRequest aggregate. */
export type ReturnRequestEvent =
  | ReturnRequested
  | ReturnInspected
  | ReturnSentToDistributionCentre
  | ReturnReviewed
  | ReturnApproved
  | ReturnRejected
  | ReturnSettled
  | ReturnDispositionRecorded
  | ReturnClosed;

/** Event type name -> zod schema of its data and the schema version written today. */
export const returnRequestEventSchemas = {
  ReturnRequested: { schema: ReturnRequestedData, schemaVersion: 1 },
  ReturnInspected: { schema: ReturnInspectedData, schemaVersion: 1 },
  ReturnSentToDistributionCentre: { schema: ReturnSentToDistributionCentreData, schemaVersion: 1 },
  ReturnReviewed: { schema: ReturnReviewedData, schemaVersion: 1 },
  ReturnApproved: { schema: ReturnApprovedData, schemaVersion: 1 },
  ReturnRejected: { schema: ReturnRejectedData, schemaVersion: 1 },
  ReturnSettled: { schema: ReturnSettledData, schemaVersion: 1 },
  ReturnDispositionRecorded: { schema: ReturnDispositionRecordedData, schemaVersion: 1 },
  ReturnClosed: { schema: ReturnClosedData, schemaVersion: 1 },
} as const satisfies {
  [T in ReturnRequestEvent['type']]: {
    schema: z.ZodType<Extract<ReturnRequestEvent, { type: T }>['data']>;
    schemaVersion: number;
  };
};
