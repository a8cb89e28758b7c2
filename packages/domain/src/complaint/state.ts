import type { ComplaintCategory, ComplaintChannel, ComplaintSeverity } from './commands.ts';
import type { ComplaintStatus } from './events.ts';

/** The latest callback (回访) since the last resolution. */
export type ComplaintCallback = { properlyHandled: boolean; customerSatisfied: boolean; at: string };

/** A complaint that has been received. */
export type OpenedComplaint = {
  status: ComplaintStatus;
  complaintId: string;
  number: string;
  customerId: string;
  orderId: string | null;
  channel: ComplaintChannel;
  category: ComplaintCategory;
  receivedAt: string;
  /** Business time of the latest lifecycle step; the next step may not be earlier. */
  lastStepAt: string;
  acknowledgedAt: string | null;
  severity: ComplaintSeverity | null;
  owner: string | null;
  urgent: boolean;
  /** Investigations recorded so far (a reopened or escalated complaint may be investigated again). */
  investigationCount: number;
  /** True once the current handling cycle (since the last reopening) has an investigation. */
  investigatedThisCycle: boolean;
  /** The first resolution: handling time is measured to it, reopenings never move it. */
  firstResolvedAt: string | null;
  lastResolvedAt: string | null;
  /** The latest callback since the latest resolution, or null. */
  callback: ComplaintCallback | null;
  escalationCount: number;
  reopenCount: number;
  closedAt: string | null;
};

/** The state of a Complaint stream: nothing yet, or the complaint. */
export type ComplaintState = { status: 'initial' } | OpenedComplaint;

/**
 * The state of a stream with no events.
 *
 * @example
 * complaintDecider.decide(receive, initialComplaintState());
 */
export const initialComplaintState = (): ComplaintState => ({ status: 'initial' });

/** ISO 10002 complaint-handling stages, in process order (our design). */
export const isoComplaintStages = [
  'receipt',
  'tracking',
  'acknowledgement',
  'initial_assessment',
  'investigation',
  'response',
  'closing',
] as const;
export type IsoComplaintStage = (typeof isoComplaintStages)[number];

const stageOfStatus: Record<ComplaintStatus, IsoComplaintStage> = {
  received: 'receipt',
  acknowledged: 'acknowledgement',
  assessed: 'initial_assessment',
  investigated: 'investigation',
  reopened: 'investigation',
  // ISO 10002 8.4: a complaint is tracked until the complainant is satisfied or a final decision is
  // made; an escalated complaint is exactly that, open and tracked while higher management decides.
  escalated: 'tracking',
  resolved: 'response',
  closed: 'closing',
};

/**
 * The ISO 10002 stage a complaint is in (our design): received -> receipt, acknowledged ->
 * acknowledgement, assessed -> initial assessment, investigated / reopened -> investigation,
 * escalated -> tracking, resolved (callback or not) -> response, closed -> closing.
 * Null for a complaint that does not exist.
 *
 * @example
 * isoStageOf(fold(complaintDecider, [received, acknowledged])) // 'acknowledgement'
 */
export const isoStageOf = (state: ComplaintState): IsoComplaintStage | null =>
  state.status === 'initial' ? null : stageOfStatus[state.status];
