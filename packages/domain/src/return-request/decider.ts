import { match } from 'ts-pattern';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { isBefore } from '../shared/values.ts';
import type { InspectedLineInput, ReturnRequestCommand } from './commands.ts';
import type { InspectedLine, ReturnRequestEvent, ReturnStatus } from './events.ts';
import { initialReturnRequestState } from './state.ts';
import type { OpenedReturn, ReturnRequestState } from './state.ts';

const opened = (state: ReturnRequestState, returnId: string): OpenedReturn => {
  if (state.status === 'initial') throw new DomainError('not_found', `return ${returnId} does not exist`);
  return state;
};

const inStatus = (r: OpenedReturn, allowed: readonly ReturnStatus[], what: string): void => {
  if (!allowed.includes(r.status)) {
    throw new DomainError('invalid_state', `cannot ${what} return ${r.returnId} in status ${r.status}`, {
      status: r.status,
      allowed,
    });
  }
};

const step = (r: OpenedReturn, at: string, what: string): void => {
  if (isBefore(at, r.lastStepAt)) {
    throw new DomainError('out_of_order_time', `${what} at ${at} is before the previous step at ${r.lastStepAt}`, {
      occurredAt: at,
      earliest: r.lastStepAt,
    });
  }
};

const ids = (r: OpenedReturn, occurredAt: string) => ({
  returnId: r.returnId,
  orderId: r.orderId,
  customerId: r.customerId,
  occurredAt,
});

/** Matches the clerk's lines to the requested ones: each requested line once, actual 0..requested. */
const inspectLines = (r: OpenedReturn, input: readonly InspectedLineInput[]): InspectedLine[] => {
  const requested = new Map(r.lines.map((l) => [l.lineId, l.quantity]));
  const seen = new Set<string>();
  for (const l of input) {
    const quantity = requested.get(l.lineId);
    if (quantity === undefined) throw new DomainError('unknown_line', `line ${l.lineId} is not on return ${r.returnId}`);
    if (seen.has(l.lineId)) throw new DomainError('invalid_quantity', `line ${l.lineId} inspected twice`);
    seen.add(l.lineId);
    if (l.actualQuantity > quantity) {
      throw new DomainError('invalid_quantity', `line ${l.lineId}: actual ${l.actualQuantity} exceeds requested ${quantity}`, {
        lineId: l.lineId,
        requested: quantity,
        actual: l.actualQuantity,
      });
    }
  }
  const missing = r.lines.filter((l) => !seen.has(l.lineId)).map((l) => l.lineId);
  if (missing.length > 0) {
    throw new DomainError('invalid_quantity', `no actual quantity for line(s) ${missing.join(', ')}`, { missing });
  }
  const actual = new Map(input.map((l) => [l.lineId, l.actualQuantity]));
  return r.lines.map((l) => ({ lineId: l.lineId, requestedQuantity: l.quantity, actualQuantity: actual.get(l.lineId) ?? 0 }));
};

const decide = (command: ReturnRequestCommand, state: ReturnRequestState): ReturnRequestEvent[] =>
  match(command)
    .with({ type: 'return.request' }, ({ data }): ReturnRequestEvent[] => {
      if (state.status !== 'initial') throw new DomainError('already_exists', `return ${data.returnId} already exists`);
      return [
        {
          type: 'ReturnRequested',
          data: {
            returnId: data.returnId,
            orderId: data.orderId,
            customerId: data.customerId,
            occurredAt: data.occurredAt,
            slipNumber: data.slipNumber,
            reason: data.reason,
            lines: data.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })),
            description: data.description ?? null,
          },
        },
      ];
    })
    .with({ type: 'return.inspect' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      inStatus(r, ['requested'], 'inspect');
      step(r, data.occurredAt, 'inspection');
      const lines = inspectLines(r, data.lines);
      return [
        {
          type: 'ReturnInspected',
          data: {
            ...ids(r, data.occurredAt),
            clerk: data.clerk,
            lines,
            statedReason: r.reason,
            causeConfirmed: data.causeConfirmed,
            // The schema requires confirmedReason with causeConfirmed; a confirmation without one
            // confirms the stated reason.
            confirmedReason: data.causeConfirmed ? (data.confirmedReason ?? r.reason) : null,
            requestedAt: r.requestedAt,
          },
        },
      ];
    })
    .with({ type: 'return.notifyDistributionCentre' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      inStatus(r, ['inspected'], 'send to the distribution centre');
      step(r, data.occurredAt, 'notification of the distribution centre');
      return [{ type: 'ReturnSentToDistributionCentre', data: { ...ids(r, data.occurredAt), reference: data.reference ?? null } }];
    })
    .with({ type: 'return.review' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      // A failed review may be repeated once the documents are corrected.
      if (!(r.status === 'dc_notified' || (r.status === 'reviewed' && r.reviewPassed === false))) {
        throw new DomainError('invalid_state', `cannot review return ${r.returnId} in status ${r.status}`, { status: r.status });
      }
      step(r, data.occurredAt, 'second review');
      return [
        {
          type: 'ReturnReviewed',
          data: { ...ids(r, data.occurredAt), reviewer: data.reviewer, passed: data.passed, notes: data.notes ?? null },
        },
      ];
    })
    .with({ type: 'return.approve' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      if (r.status !== 'reviewed' || r.reviewPassed !== true || r.inspectedLines === null) {
        throw new DomainError('invalid_state', `return ${r.returnId} needs a passed second review to be approved (status ${r.status})`, {
          status: r.status,
        });
      }
      step(r, data.occurredAt, 'approval');
      return [
        {
          type: 'ReturnApproved',
          data: {
            ...ids(r, data.occurredAt),
            by: data.by,
            lines: r.inspectedLines,
            confirmedReason: r.confirmedReason,
            requestedAt: r.requestedAt,
          },
        },
      ];
    })
    .with({ type: 'return.reject' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      inStatus(r, ['inspected', 'dc_notified', 'reviewed'], 'reject');
      step(r, data.occurredAt, 'rejection');
      return [
        {
          type: 'ReturnRejected',
          data: {
            ...ids(r, data.occurredAt),
            by: data.by,
            reason: data.reason,
            lines: r.lines,
            fromStatus: r.status,
            requestedAt: r.requestedAt,
          },
        },
      ];
    })
    .with({ type: 'return.settle' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      inStatus(r, ['approved'], 'settle');
      step(r, data.occurredAt, 'settlement');
      if (data.outcome === 'exchange' ? data.amountFen !== 0 : data.amountFen <= 0) {
        throw new DomainError('invalid_amount', `a ${data.outcome} cannot have amountFen ${data.amountFen}`);
      }
      return [
        {
          type: 'ReturnSettled',
          data: {
            ...ids(r, data.occurredAt),
            outcome: data.outcome,
            amountFen: data.amountFen,
            confirmedReason: r.confirmedReason,
            requestedAt: r.requestedAt,
          },
        },
      ];
    })
    .with({ type: 'return.recordDisposition' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      inStatus(r, ['settled'], 'record the disposition of');
      step(r, data.occurredAt, 'disposition');
      return [
        {
          type: 'ReturnDispositionRecorded',
          data: { ...ids(r, data.occurredAt), disposition: data.disposition, notes: data.notes ?? null },
        },
      ];
    })
    .with({ type: 'return.close' }, ({ data }): ReturnRequestEvent[] => {
      const r = opened(state, data.returnId);
      inStatus(r, ['disposed', 'rejected'], 'close');
      step(r, data.occurredAt, 'closing');
      return [
        {
          type: 'ReturnClosed',
          data: {
            ...ids(r, data.occurredAt),
            result: r.status === 'rejected' ? 'rejected' : 'completed',
            outcome: r.outcome,
            requestedAt: r.requestedAt,
          },
        },
      ];
    })
    .exhaustive();

const onOpened = (state: ReturnRequestState, f: (r: OpenedReturn) => OpenedReturn): ReturnRequestState =>
  state.status === 'initial' ? state : f(state);

const evolve = (state: ReturnRequestState, event: ReturnRequestEvent): ReturnRequestState =>
  match(event)
    .with({ type: 'ReturnRequested' }, ({ data }): ReturnRequestState =>
      state.status !== 'initial'
        ? state
        : {
            status: 'requested',
            returnId: data.returnId,
            orderId: data.orderId,
            customerId: data.customerId,
            slipNumber: data.slipNumber,
            reason: data.reason,
            lines: data.lines,
            requestedAt: data.occurredAt,
            lastStepAt: data.occurredAt,
            inspectedLines: null,
            causeConfirmed: null,
            confirmedReason: null,
            reviewPassed: null,
            outcome: null,
            amountFen: null,
            disposition: null,
            rejectedAt: null,
            closedAt: null,
          },
    )
    .with({ type: 'ReturnInspected' }, ({ data }) =>
      onOpened(state, (r) => ({
        ...r,
        status: 'inspected',
        inspectedLines: data.lines,
        causeConfirmed: data.causeConfirmed,
        confirmedReason: data.confirmedReason,
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ReturnSentToDistributionCentre' }, ({ data }) =>
      onOpened(state, (r) => ({ ...r, status: 'dc_notified', lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ReturnReviewed' }, ({ data }) =>
      onOpened(state, (r) => ({ ...r, status: 'reviewed', reviewPassed: data.passed, lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ReturnApproved' }, ({ data }) =>
      onOpened(state, (r) => ({ ...r, status: 'approved', lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ReturnRejected' }, ({ data }) =>
      onOpened(state, (r) => ({ ...r, status: 'rejected', rejectedAt: data.occurredAt, lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ReturnSettled' }, ({ data }) =>
      onOpened(state, (r) => ({
        ...r,
        status: 'settled',
        outcome: data.outcome,
        amountFen: data.amountFen,
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ReturnDispositionRecorded' }, ({ data }) =>
      onOpened(state, (r) => ({ ...r, status: 'disposed', disposition: data.disposition, lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ReturnClosed' }, ({ data }) =>
      onOpened(state, (r) => ({ ...r, status: 'closed', closedAt: data.occurredAt, lastStepAt: data.occurredAt })),
    )
    .exhaustive();

/**
 * The ReturnRequest decider (退货): requested -> inspected -> sent to the distribution centre ->
 * second review -> approved | rejected -> settled -> disposition -> closed.
 *
 * @example
 * const events = returnRequestDecider.decide(
 *   { type: 'return.approve', data: { returnId: 'r-1', by: 'chen', occurredAt: '2026-03-05T10:00:00+08:00' } },
 *   fold(returnRequestDecider, history),
 * );
 */
export const returnRequestDecider: Decider<ReturnRequestCommand, ReturnRequestEvent, ReturnRequestState> = {
  decide,
  evolve,
  initialState: initialReturnRequestState,
};
