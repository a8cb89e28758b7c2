import { z } from 'zod';
import { Id, IsoDateTime, MoneyFen, Text } from '../shared/values.ts';
import {
  ComplaintCategory,
  ComplaintChannel,
  ComplaintNumber,
  ComplaintSeverity,
  NotificationChannel,
} from './commands.ts';

// Every event carries complaintId, customerId and occurredAt (the business time of the fact), plus
// whatever a projection needs for its indicator (receipt time, first resolution time, category,
// severity, reopen count), so read models never read other streams.

const base = { complaintId: Id, customerId: Id, occurredAt: IsoDateTime };

/** Complaint lifecycle statuses. */
export const ComplaintStatus = z.enum([
  'received',
  'acknowledged',
  'assessed',
  'investigated',
  'resolved',
  'escalated',
  'closed',
  'reopened',
]);
export type ComplaintStatus = z.infer<typeof ComplaintStatus>;

export const ComplaintReceivedData = z.object({
  ...base,
  number: ComplaintNumber,
  orderId: Id.nullable(),
  channel: ComplaintChannel,
  category: ComplaintCategory,
  description: Text(4000),
  remedySought: Text(2000),
});
export type ComplaintReceivedData = z.infer<typeof ComplaintReceivedData>;

export const ComplaintAcknowledgedData = z.object({
  ...base,
  by: Text(256),
  /** Receipt time, for "time to acknowledge". */
  receivedAt: IsoDateTime,
});
export type ComplaintAcknowledgedData = z.infer<typeof ComplaintAcknowledgedData>;

export const ComplaintAssessedData = z.object({
  ...base,
  number: ComplaintNumber,
  category: ComplaintCategory,
  severity: ComplaintSeverity,
  owner: Text(256),
  urgent: z.boolean(),
  receivedAt: IsoDateTime,
});
export type ComplaintAssessedData = z.infer<typeof ComplaintAssessedData>;

export const ComplaintInvestigatedData = z.object({
  ...base,
  rootCause: Text(4000),
  correctiveAction: Text(4000),
  /** True when this investigation follows a reopening or an escalation (not the first). */
  isReinvestigation: z.boolean(),
});
export type ComplaintInvestigatedData = z.infer<typeof ComplaintInvestigatedData>;

export const ComplaintProgressNotifiedData = z.object({
  ...base,
  message: Text(2000),
  via: NotificationChannel,
  /** Where the complaint stood when the customer was told. */
  status: ComplaintStatus,
});
export type ComplaintProgressNotifiedData = z.infer<typeof ComplaintProgressNotifiedData>;

export const ComplaintResolvedData = z.object({
  ...base,
  resolution: Text(4000),
  compensationFen: MoneyFen,
  /** Claimed back from the carrier; 0 when none. Never more than the compensation. */
  carrierClaimFen: MoneyFen,
  /** True only for the complaint's first resolution: handling time is measured to it. */
  isFirstResolution: z.boolean(),
  receivedAt: IsoDateTime,
  /** The first resolution's time (this event's occurredAt when `isFirstResolution`). */
  firstResolvedAt: IsoDateTime,
  category: ComplaintCategory,
  /** Null only if the complaint was never assessed (cannot happen through the decider today). */
  severity: ComplaintSeverity.nullable(),
  /** How many times the complaint had been reopened when this resolution was made. */
  reopenCount: z.number().int().nonnegative(),
});
export type ComplaintResolvedData = z.infer<typeof ComplaintResolvedData>;

export const ComplaintCallbackRecordedData = z.object({
  ...base,
  by: Text(256),
  properlyHandled: z.boolean(),
  customerSatisfied: z.boolean(),
  notes: z.string().max(2000).nullable(),
});
export type ComplaintCallbackRecordedData = z.infer<typeof ComplaintCallbackRecordedData>;

export const ComplaintEscalatedData = z.object({
  ...base,
  reason: Text(2000),
  escalatedTo: Text(256),
  appealRightsNotified: z.literal(true),
  /** The status the complaint was escalated from. */
  fromStatus: ComplaintStatus,
  /** 1 for the first escalation, 2 for the second, ... */
  escalationCount: z.number().int().positive(),
});
export type ComplaintEscalatedData = z.infer<typeof ComplaintEscalatedData>;

export const ComplaintClosedData = z.object({
  ...base,
  receivedAt: IsoDateTime,
  firstResolvedAt: IsoDateTime,
  reopenCount: z.number().int().nonnegative(),
  escalationCount: z.number().int().nonnegative(),
});
export type ComplaintClosedData = z.infer<typeof ComplaintClosedData>;

export const ComplaintReopenedData = z.object({
  ...base,
  reason: Text(2000),
  /** 1 after the first reopening, 2 after the second, ... */
  reopenCount: z.number().int().positive(),
  receivedAt: IsoDateTime,
  firstResolvedAt: IsoDateTime,
});
export type ComplaintReopenedData = z.infer<typeof ComplaintReopenedData>;

export type ComplaintReceived = { type: 'ComplaintReceived'; data: ComplaintReceivedData };
export type ComplaintAcknowledged = { type: 'ComplaintAcknowledged'; data: ComplaintAcknowledgedData };
export type ComplaintAssessed = { type: 'ComplaintAssessed'; data: ComplaintAssessedData };
export type ComplaintInvestigated = { type: 'ComplaintInvestigated'; data: ComplaintInvestigatedData };
export type ComplaintProgressNotified = { type: 'ComplaintProgressNotified'; data: ComplaintProgressNotifiedData };
export type ComplaintResolved = { type: 'ComplaintResolved'; data: ComplaintResolvedData };
export type ComplaintCallbackRecorded = { type: 'ComplaintCallbackRecorded'; data: ComplaintCallbackRecordedData };
export type ComplaintEscalated = { type: 'ComplaintEscalated'; data: ComplaintEscalatedData };
export type ComplaintClosed = { type: 'ComplaintClosed'; data: ComplaintClosedData };
export type ComplaintReopened = { type: 'ComplaintReopened'; data: ComplaintReopenedData };

/** Every event of the Complaint aggregate. */
export type ComplaintEvent =
  | ComplaintReceived
  | ComplaintAcknowledged
  | ComplaintAssessed
  | ComplaintInvestigated
  | ComplaintProgressNotified
  | ComplaintResolved
  | ComplaintCallbackRecorded
  | ComplaintEscalated
  | ComplaintClosed
  | ComplaintReopened;

/** Event type name -> zod schema of its data and the schema version written today. */
export const complaintEventSchemas = {
  ComplaintReceived: { schema: ComplaintReceivedData, schemaVersion: 1 },
  ComplaintAcknowledged: { schema: ComplaintAcknowledgedData, schemaVersion: 1 },
  ComplaintAssessed: { schema: ComplaintAssessedData, schemaVersion: 1 },
  ComplaintInvestigated: { schema: ComplaintInvestigatedData, schemaVersion: 1 },
  ComplaintProgressNotified: { schema: ComplaintProgressNotifiedData, schemaVersion: 1 },
  ComplaintResolved: { schema: ComplaintResolvedData, schemaVersion: 1 },
  ComplaintCallbackRecorded: { schema: ComplaintCallbackRecordedData, schemaVersion: 1 },
  ComplaintEscalated: { schema: ComplaintEscalatedData, schemaVersion: 1 },
  ComplaintClosed: { schema: ComplaintClosedData, schemaVersion: 1 },
  ComplaintReopened: { schema: ComplaintReopenedData, schemaVersion: 1 },
} as const satisfies {
  [T in ComplaintEvent['type']]: {
    schema: z.ZodType<Extract<ComplaintEvent, { type: T }>['data']>;
    schemaVersion: number;
  };
};
