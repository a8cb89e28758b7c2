import type { ReturnDisposition, ReturnLineRequest, ReturnOutcome, ReturnReason } from './commands.ts';
import type { InspectedLine, ReturnStatus } from './events.ts';

/** A return that has been requested. */
export type OpenedReturn = {
  status: ReturnStatus;
  returnId: string;
  orderId: string;
  customerId: string;
  slipNumber: string;
  reason: ReturnReason;
  lines: ReturnLineRequest[];
  requestedAt: string;
  /** Business time of the latest lifecycle step; the next step may not be earlier. */
  lastStepAt: string;
  /** Requested and actual quantities, once inspected. */
  inspectedLines: InspectedLine[] | null;
  causeConfirmed: boolean | null;
  confirmedReason: ReturnReason | null;
  /** Result of the latest second review (复审), null before one. */
  reviewPassed: boolean | null;
  outcome: ReturnOutcome | null;
  amountFen: number | null;
  disposition: ReturnDisposition | null;
  /** Set when the return was rejected (it stays set after closing). */
  rejectedAt: string | null;
  closedAt: string | null;
};

/** The state of a ReturnRequest stream: nothing yet, or the return. */
export type ReturnRequestState = { status: 'initial' } | OpenedReturn;

/**
 * The state of a stream with no events.
 *
 * @example
 * returnRequestDecider.decide(request, initialReturnRequestState());
 */
export const initialReturnRequestState = (): ReturnRequestState => ({ status: 'initial' });
