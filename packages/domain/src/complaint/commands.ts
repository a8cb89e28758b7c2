import { z } from 'zod';
import { Id, IsoDateTime, MoneyFen, OptionalText, Text } from '../shared/values.ts';

/** How the complaint reached the company (001:121-122). */
export const ComplaintChannel = z.enum(['phone', 'fax', 'email', 'web', 'letter', 'in_person']);
export type ComplaintChannel = z.infer<typeof ComplaintChannel>;

/** Complaint categories of the complaint register (客户投诉案件登记追踪表). */
export const ComplaintCategory = z.enum([
  'delay',
  'damage',
  'loss',
  'shortage_wrong_goods',
  'staff_attitude',
  'billing',
  'information',
  'other',
]);
export type ComplaintCategory = z.infer<typeof ComplaintCategory>;

/** Severity set at the initial assessment. */
export const ComplaintSeverity = z.enum(['low', 'medium', 'high', 'critical']);
export type ComplaintSeverity = z.infer<typeof ComplaintSeverity>;

/** How the customer was told of progress (告知处理进度). */
export const NotificationChannel = z.enum(['phone', 'sms', 'fax', 'email', 'web', 'letter', 'in_person']);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/**
 * The human-readable complaint number: prefix, year, sequence, e.g. `TS-2026-000123`.
 * Uniqueness across complaints is enforced by the application (a `ComplaintNumber-<number>` claim).
 */
export const ComplaintNumber = z
  .string()
  .regex(/^[A-Z]{2,4}-\d{4}-\d{6,9}$/, 'complaint number looks like TS-2026-000123');
export type ComplaintNumber = z.infer<typeof ComplaintNumber>;

export const ReceiveComplaintData = z.object({
  complaintId: Id,
  number: ComplaintNumber,
  customerId: Id,
  orderId: Id.optional(),
  channel: ComplaintChannel,
  category: ComplaintCategory,
  description: Text(4000),
  remedySought: Text(2000),
  occurredAt: IsoDateTime,
});
export type ReceiveComplaintData = z.infer<typeof ReceiveComplaintData>;

export const AcknowledgeComplaintData = z.object({
  complaintId: Id,
  /** Who acknowledged receipt to the customer. */
  by: Text(256),
  occurredAt: IsoDateTime,
});
export type AcknowledgeComplaintData = z.infer<typeof AcknowledgeComplaintData>;

export const AssessComplaintData = z.object({
  complaintId: Id,
  severity: ComplaintSeverity,
  /** The person who owns the handling from now on. */
  owner: Text(256),
  /** Urgent complaints are handled first. */
  urgent: z.boolean(),
  occurredAt: IsoDateTime,
});
export type AssessComplaintData = z.infer<typeof AssessComplaintData>;

export const InvestigateComplaintData = z.object({
  complaintId: Id,
  /** 问题原因 (001:65). */
  rootCause: Text(4000),
  /** 纠正措施 (001:65). */
  correctiveAction: Text(4000),
  occurredAt: IsoDateTime,
});
export type InvestigateComplaintData = z.infer<typeof InvestigateComplaintData>;

export const NotifyComplaintProgressData = z.object({
  complaintId: Id,
  message: Text(2000),
  via: NotificationChannel,
  occurredAt: IsoDateTime,
});
export type NotifyComplaintProgressData = z.infer<typeof NotifyComplaintProgressData>;

export const ResolveComplaintData = z
  .object({
    complaintId: Id,
    resolution: Text(4000),
    /** Compensation paid to the customer, integer fen; 0 when none. */
    compensationFen: MoneyFen,
    /** Part of the compensation claimed back from the carrier (运输商赔偿, 002:61); at most the compensation. */
    carrierClaimFen: MoneyFen.optional(),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    if (d.carrierClaimFen !== undefined && d.carrierClaimFen > d.compensationFen) {
      ctx.addIssue({ code: 'custom', path: ['carrierClaimFen'], message: 'carrier claim exceeds the compensation' });
    }
  });
export type ResolveComplaintData = z.infer<typeof ResolveComplaintData>;

export const RecordComplaintCallbackData = z.object({
  complaintId: Id,
  /** Who called the customer back (回访确认, 001:67). */
  by: Text(256),
  /** The customer confirms the problem was properly handled; required to close. */
  properlyHandled: z.boolean(),
  customerSatisfied: z.boolean(),
  notes: OptionalText(2000),
  occurredAt: IsoDateTime,
});
export type RecordComplaintCallbackData = z.infer<typeof RecordComplaintCallbackData>;

export const EscalateComplaintData = z.object({
  complaintId: Id,
  reason: Text(2000),
  /** The higher management the complaint goes to. */
  escalatedTo: Text(256),
  /** The customer was told of the right to appeal (上诉, 002:66-67): must be true. */
  appealRightsNotified: z.literal(true),
  occurredAt: IsoDateTime,
});
export type EscalateComplaintData = z.infer<typeof EscalateComplaintData>;

export const CloseComplaintData = z.object({ complaintId: Id, occurredAt: IsoDateTime });
export type CloseComplaintData = z.infer<typeof CloseComplaintData>;

export const ReopenComplaintData = z.object({ complaintId: Id, reason: Text(2000), occurredAt: IsoDateTime });
export type ReopenComplaintData = z.infer<typeof ReopenComplaintData>;

export type ReceiveComplaint = { type: 'complaint.receive'; data: ReceiveComplaintData };
export type AcknowledgeComplaint = { type: 'complaint.acknowledge'; data: AcknowledgeComplaintData };
export type AssessComplaint = { type: 'complaint.assess'; data: AssessComplaintData };
export type InvestigateComplaint = { type: 'complaint.investigate'; data: InvestigateComplaintData };
export type NotifyComplaintProgress = { type: 'complaint.notifyProgress'; data: NotifyComplaintProgressData };
export type ResolveComplaint = { type: 'complaint.resolve'; data: ResolveComplaintData };
export type RecordComplaintCallback = { type: 'complaint.recordCallback'; data: RecordComplaintCallbackData };
export type EscalateComplaint = { type: 'complaint.escalate'; data: EscalateComplaintData };
export type CloseComplaint = { type: 'complaint.close'; data: CloseComplaintData };
export type ReopenComplaint = { type: 'complaint.reopen'; data: ReopenComplaintData };

/** Every command the Complaint aggregate takes. */
export type ComplaintCommand =
  | ReceiveComplaint
  | AcknowledgeComplaint
  | AssessComplaint
  | InvestigateComplaint
  | NotifyComplaintProgress
  | ResolveComplaint
  | RecordComplaintCallback
  | EscalateComplaint
  | CloseComplaint
  | ReopenComplaint;

/** Command type name -> zod schema of its data. */
export const complaintCommandSchemas = {
  'complaint.receive': ReceiveComplaintData,
  'complaint.acknowledge': AcknowledgeComplaintData,
  'complaint.assess': AssessComplaintData,
  'complaint.investigate': InvestigateComplaintData,
  'complaint.notifyProgress': NotifyComplaintProgressData,
  'complaint.resolve': ResolveComplaintData,
  'complaint.recordCallback': RecordComplaintCallbackData,
  'complaint.escalate': EscalateComplaintData,
  'complaint.close': CloseComplaintData,
  'complaint.reopen': ReopenComplaintData,
} as const satisfies { [T in ComplaintCommand['type']]: z.ZodType<Extract<ComplaintCommand, { type: T }>['data']> };
