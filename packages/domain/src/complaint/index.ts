import type { AggregateDefinition } from '../shared/aggregate.ts';
import type { ComplaintCommand } from './commands.ts';
import { complaintCommandSchemas } from './commands.ts';
import { complaintDecider } from './decider.ts';
import type { ComplaintEvent } from './events.ts';
import { complaintEventSchemas } from './events.ts';
import type { ComplaintState } from './state.ts';

const byId = (d: { complaintId: string }) => d.complaintId;

/**
 * The Complaint aggregate: stream `Complaint-<complaintId>`.
 *
 * @example
 * const stream = streamName(complaintAggregate.category, 'c-1'); // 'Complaint-c-1'
 */
export const complaintAggregate: AggregateDefinition<ComplaintCommand, ComplaintEvent, ComplaintState> = {
  category: 'Complaint',
  decider: complaintDecider,
  commands: {
    'complaint.receive': {
      schema: complaintCommandSchemas['complaint.receive'],
      aggregateId: byId,
      creates: true,
      description: 'Register a complaint with its unique number, category, channel and remedy sought',
    },
    'complaint.acknowledge': {
      schema: complaintCommandSchemas['complaint.acknowledge'],
      aggregateId: byId,
      description: 'Acknowledge receipt of the complaint to the customer',
    },
    'complaint.assess': {
      schema: complaintCommandSchemas['complaint.assess'],
      aggregateId: byId,
      description: 'Initial assessment: severity, owner, urgency',
    },
    'complaint.investigate': {
      schema: complaintCommandSchemas['complaint.investigate'],
      aggregateId: byId,
      description: 'Record the root cause and the corrective action',
    },
    'complaint.notifyProgress': {
      schema: complaintCommandSchemas['complaint.notifyProgress'],
      aggregateId: byId,
      description: 'Record that the customer was told of progress (any open stage)',
    },
    'complaint.resolve': {
      schema: complaintCommandSchemas['complaint.resolve'],
      aggregateId: byId,
      description: 'Resolve: resolution, compensation and the part claimed back from the carrier',
    },
    'complaint.recordCallback': {
      schema: complaintCommandSchemas['complaint.recordCallback'],
      aggregateId: byId,
      description: 'Record the callback confirming whether the complaint was properly handled',
    },
    'complaint.escalate': {
      schema: complaintCommandSchemas['complaint.escalate'],
      aggregateId: byId,
      description: 'Escalate to higher management; the customer was told of the right to appeal',
    },
    'complaint.close': {
      schema: complaintCommandSchemas['complaint.close'],
      aggregateId: byId,
      description: 'Close a resolved complaint whose callback confirmed proper handling',
    },
    'complaint.reopen': {
      schema: complaintCommandSchemas['complaint.reopen'],
      aggregateId: byId,
      description: 'Reopen a closed complaint for a new investigation',
    },
  },
  events: {
    ComplaintReceived: { ...complaintEventSchemas.ComplaintReceived, description: 'A complaint was registered' },
    ComplaintAcknowledged: { ...complaintEventSchemas.ComplaintAcknowledged, description: 'Receipt was acknowledged' },
    ComplaintAssessed: { ...complaintEventSchemas.ComplaintAssessed, description: 'Severity, owner and urgency were set' },
    ComplaintInvestigated: {
      ...complaintEventSchemas.ComplaintInvestigated,
      description: 'Root cause and corrective action were recorded',
    },
    ComplaintProgressNotified: {
      ...complaintEventSchemas.ComplaintProgressNotified,
      description: 'The customer was told of progress',
    },
    ComplaintResolved: {
      ...complaintEventSchemas.ComplaintResolved,
      description: 'The complaint was resolved (isFirstResolution marks the one handling time is measured to)',
    },
    ComplaintCallbackRecorded: {
      ...complaintEventSchemas.ComplaintCallbackRecorded,
      description: 'A callback to the customer was recorded',
    },
    ComplaintEscalated: {
      ...complaintEventSchemas.ComplaintEscalated,
      description: 'The complaint went to higher management; appeal rights were notified',
    },
    ComplaintClosed: { ...complaintEventSchemas.ComplaintClosed, description: 'The complaint was closed' },
    ComplaintReopened: { ...complaintEventSchemas.ComplaintReopened, description: 'A closed complaint was reopened' },
  },
};

export {
  AcknowledgeComplaintData,
  AssessComplaintData,
  CloseComplaintData,
  ComplaintCategory,
  ComplaintChannel,
  ComplaintNumber,
  ComplaintSeverity,
  EscalateComplaintData,
  InvestigateComplaintData,
  NotificationChannel,
  NotifyComplaintProgressData,
  ReceiveComplaintData,
  RecordComplaintCallbackData,
  ReopenComplaintData,
  ResolveComplaintData,
  complaintCommandSchemas,
} from './commands.ts';
export type {
  AcknowledgeComplaint,
  AssessComplaint,
  CloseComplaint,
  ComplaintCommand,
  EscalateComplaint,
  InvestigateComplaint,
  NotifyComplaintProgress,
  ReceiveComplaint,
  RecordComplaintCallback,
  ReopenComplaint,
  ResolveComplaint,
} from './commands.ts';
export {
  ComplaintAcknowledgedData,
  ComplaintAssessedData,
  ComplaintCallbackRecordedData,
  ComplaintClosedData,
  ComplaintEscalatedData,
  ComplaintInvestigatedData,
  ComplaintProgressNotifiedData,
  ComplaintReceivedData,
  ComplaintReopenedData,
  ComplaintResolvedData,
  ComplaintStatus,
  complaintEventSchemas,
} from './events.ts';
export type {
  ComplaintAcknowledged,
  ComplaintAssessed,
  ComplaintCallbackRecorded,
  ComplaintClosed,
  ComplaintEscalated,
  ComplaintEvent,
  ComplaintInvestigated,
  ComplaintProgressNotified,
  ComplaintReceived,
  ComplaintReopened,
  ComplaintResolved,
} from './events.ts';
export { complaintDecider } from './decider.ts';
export { initialComplaintState, isoComplaintStages, isoStageOf } from './state.ts';
export type { ComplaintCallback, ComplaintState, IsoComplaintStage, OpenedComplaint } from './state.ts';
export { COMPLAINT_NUMBER_CLAIMED, COMPLAINT_NUMBER_RELEASED, claimInForce, complaintNumberStream, isStaleClaim } from './number-claim.ts';
export type { ComplaintNumberClaim } from './number-claim.ts';
