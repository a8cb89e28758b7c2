import { match } from 'ts-pattern';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { isBefore } from '../shared/values.ts';
import type { ComplaintCommand } from './commands.ts';
import type { ComplaintEvent, ComplaintStatus } from './events.ts';
import { initialComplaintState } from './state.ts';
import type { ComplaintState, OpenedComplaint } from './state.ts';

const opened = (state: ComplaintState, complaintId: string): OpenedComplaint => {
  if (state.status === 'initial') throw new DomainError('not_found', `complaint ${complaintId} does not exist`);
  return state;
};

/** An existing complaint that is not closed (closed complaints take only `complaint.reopen`). */
const open = (state: ComplaintState, complaintId: string): OpenedComplaint => {
  const c = opened(state, complaintId);
  if (c.status === 'closed') throw new DomainError('complaint_closed', `complaint ${c.number} is closed`);
  return c;
};

const inStatus = (c: OpenedComplaint, allowed: readonly ComplaintStatus[], what: string): void => {
  if (!allowed.includes(c.status)) {
    throw new DomainError('invalid_state', `cannot ${what} complaint ${c.number} in status ${c.status}`, {
      status: c.status,
      allowed,
    });
  }
};

const notBefore = (at: string, earliest: string, what: string): void => {
  if (isBefore(at, earliest)) {
    throw new DomainError('out_of_order_time', `${what} at ${at} is before the previous step at ${earliest}`, {
      occurredAt: at,
      earliest,
    });
  }
};

const step = (c: OpenedComplaint, at: string, what: string): void => notBefore(at, c.lastStepAt, what);

const ids = (c: OpenedComplaint, occurredAt: string) => ({ complaintId: c.complaintId, customerId: c.customerId, occurredAt });

/** A callback that confirms the complaint is settled to the customer's full satisfaction. */
const fullyConfirmed = (c: OpenedComplaint): boolean =>
  c.callback !== null && c.callback.properlyHandled && c.callback.customerSatisfied;

const decide = (command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] =>
  match(command)
    .with({ type: 'complaint.receive' }, ({ data }): ComplaintEvent[] => {
      if (state.status !== 'initial') {
        throw new DomainError('already_exists', `complaint ${data.complaintId} already exists`);
      }
      return [
        {
          type: 'ComplaintReceived',
          data: {
            complaintId: data.complaintId,
            customerId: data.customerId,
            occurredAt: data.occurredAt,
            number: data.number,
            orderId: data.orderId ?? null,
            channel: data.channel,
            category: data.category,
            description: data.description,
            remedySought: data.remedySought,
          },
        },
      ];
    })
    .with({ type: 'complaint.acknowledge' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      inStatus(c, ['received'], 'acknowledge');
      step(c, data.occurredAt, 'acknowledgement');
      return [{ type: 'ComplaintAcknowledged', data: { ...ids(c, data.occurredAt), by: data.by, receivedAt: c.receivedAt } }];
    })
    .with({ type: 'complaint.assess' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      inStatus(c, ['acknowledged'], 'assess');
      step(c, data.occurredAt, 'assessment');
      return [
        {
          type: 'ComplaintAssessed',
          data: {
            ...ids(c, data.occurredAt),
            number: c.number,
            category: c.category,
            severity: data.severity,
            owner: data.owner,
            urgent: data.urgent,
            receivedAt: c.receivedAt,
          },
        },
      ];
    })
    .with({ type: 'complaint.investigate' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      inStatus(c, ['assessed', 'reopened', 'escalated'], 'investigate');
      step(c, data.occurredAt, 'investigation');
      return [
        {
          type: 'ComplaintInvestigated',
          data: {
            ...ids(c, data.occurredAt),
            rootCause: data.rootCause,
            correctiveAction: data.correctiveAction,
            isReinvestigation: c.investigationCount > 0,
          },
        },
      ];
    })
    .with({ type: 'complaint.notifyProgress' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      notBefore(data.occurredAt, c.receivedAt, 'progress notification');
      return [
        {
          type: 'ComplaintProgressNotified',
          data: { ...ids(c, data.occurredAt), message: data.message, via: data.via, status: c.status },
        },
      ];
    })
    .with({ type: 'complaint.resolve' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      if (!(c.status === 'investigated' || (c.status === 'escalated' && c.investigatedThisCycle))) {
        throw new DomainError('invalid_state', `cannot resolve complaint ${c.number} in status ${c.status} before an investigation`, {
          status: c.status,
        });
      }
      step(c, data.occurredAt, 'resolution');
      const carrierClaimFen = data.carrierClaimFen ?? 0;
      if (carrierClaimFen > data.compensationFen) {
        throw new DomainError('invalid_amount', `carrier claim ${carrierClaimFen} exceeds compensation ${data.compensationFen}`);
      }
      return [
        {
          type: 'ComplaintResolved',
          data: {
            ...ids(c, data.occurredAt),
            resolution: data.resolution,
            compensationFen: data.compensationFen,
            carrierClaimFen,
            isFirstResolution: c.firstResolvedAt === null,
            receivedAt: c.receivedAt,
            firstResolvedAt: c.firstResolvedAt ?? data.occurredAt,
            category: c.category,
            severity: c.severity,
            reopenCount: c.reopenCount,
          },
        },
      ];
    })
    .with({ type: 'complaint.recordCallback' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      inStatus(c, ['resolved'], 'record a callback for');
      step(c, data.occurredAt, 'callback');
      return [
        {
          type: 'ComplaintCallbackRecorded',
          data: {
            ...ids(c, data.occurredAt),
            by: data.by,
            properlyHandled: data.properlyHandled,
            customerSatisfied: data.customerSatisfied,
            notes: data.notes ?? null,
          },
        },
      ];
    })
    .with({ type: 'complaint.escalate' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      inStatus(c, ['assessed', 'investigated', 'reopened', 'resolved'], 'escalate');
      if (c.status === 'resolved' && fullyConfirmed(c)) {
        throw new DomainError('invalid_state', `complaint ${c.number} was confirmed handled to the customer's satisfaction`);
      }
      step(c, data.occurredAt, 'escalation');
      return [
        {
          type: 'ComplaintEscalated',
          data: {
            ...ids(c, data.occurredAt),
            reason: data.reason,
            escalatedTo: data.escalatedTo,
            appealRightsNotified: true,
            fromStatus: c.status,
            escalationCount: c.escalationCount + 1,
          },
        },
      ];
    })
    .with({ type: 'complaint.close' }, ({ data }): ComplaintEvent[] => {
      const c = open(state, data.complaintId);
      if (c.status !== 'resolved' || c.firstResolvedAt === null) {
        throw new DomainError('complaint_not_resolved', `complaint ${c.number} is ${c.status}, not resolved`);
      }
      if (c.callback === null || !c.callback.properlyHandled) {
        throw new DomainError('callback_required', `complaint ${c.number} needs a callback confirming it was properly handled`);
      }
      step(c, data.occurredAt, 'closing');
      return [
        {
          type: 'ComplaintClosed',
          data: {
            ...ids(c, data.occurredAt),
            receivedAt: c.receivedAt,
            firstResolvedAt: c.firstResolvedAt,
            reopenCount: c.reopenCount,
            escalationCount: c.escalationCount,
          },
        },
      ];
    })
    .with({ type: 'complaint.reopen' }, ({ data }): ComplaintEvent[] => {
      const c = opened(state, data.complaintId);
      if (c.status !== 'closed' || c.firstResolvedAt === null) {
        throw new DomainError('invalid_state', `only a closed complaint can be reopened; ${c.number} is ${c.status}`);
      }
      step(c, data.occurredAt, 'reopening');
      return [
        {
          type: 'ComplaintReopened',
          data: {
            ...ids(c, data.occurredAt),
            reason: data.reason,
            reopenCount: c.reopenCount + 1,
            receivedAt: c.receivedAt,
            firstResolvedAt: c.firstResolvedAt,
          },
        },
      ];
    })
    .exhaustive();

/** Applies a lifecycle step to an existing complaint; a stream without ComplaintReceived stays initial. */
const onOpened = (state: ComplaintState, f: (c: OpenedComplaint) => OpenedComplaint): ComplaintState =>
  state.status === 'initial' ? state : f(state);

const evolve = (state: ComplaintState, event: ComplaintEvent): ComplaintState =>
  match(event)
    .with({ type: 'ComplaintReceived' }, ({ data }): ComplaintState =>
      state.status !== 'initial'
        ? state
        : {
            status: 'received',
            complaintId: data.complaintId,
            number: data.number,
            customerId: data.customerId,
            orderId: data.orderId,
            channel: data.channel,
            category: data.category,
            receivedAt: data.occurredAt,
            lastStepAt: data.occurredAt,
            acknowledgedAt: null,
            severity: null,
            owner: null,
            urgent: false,
            investigationCount: 0,
            investigatedThisCycle: false,
            firstResolvedAt: null,
            lastResolvedAt: null,
            callback: null,
            escalationCount: 0,
            reopenCount: 0,
            closedAt: null,
          },
    )
    .with({ type: 'ComplaintAcknowledged' }, ({ data }) =>
      onOpened(state, (c) => ({ ...c, status: 'acknowledged', acknowledgedAt: data.occurredAt, lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ComplaintAssessed' }, ({ data }) =>
      onOpened(state, (c) => ({
        ...c,
        status: 'assessed',
        severity: data.severity,
        owner: data.owner,
        urgent: data.urgent,
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ComplaintInvestigated' }, ({ data }) =>
      onOpened(state, (c) => ({
        ...c,
        status: 'investigated',
        investigationCount: c.investigationCount + 1,
        investigatedThisCycle: true,
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ComplaintProgressNotified' }, () => state)
    .with({ type: 'ComplaintResolved' }, ({ data }) =>
      onOpened(state, (c) => ({
        ...c,
        status: 'resolved',
        firstResolvedAt: c.firstResolvedAt ?? data.occurredAt,
        lastResolvedAt: data.occurredAt,
        callback: null,
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ComplaintCallbackRecorded' }, ({ data }) =>
      onOpened(state, (c) => ({
        ...c,
        callback: { properlyHandled: data.properlyHandled, customerSatisfied: data.customerSatisfied, at: data.occurredAt },
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ComplaintEscalated' }, ({ data }) =>
      onOpened(state, (c) => ({
        ...c,
        status: 'escalated',
        escalationCount: c.escalationCount + 1,
        callback: null,
        lastStepAt: data.occurredAt,
      })),
    )
    .with({ type: 'ComplaintClosed' }, ({ data }) =>
      onOpened(state, (c) => ({ ...c, status: 'closed', closedAt: data.occurredAt, lastStepAt: data.occurredAt })),
    )
    .with({ type: 'ComplaintReopened' }, ({ data }) =>
      onOpened(state, (c) => ({
        ...c,
        status: 'reopened',
        reopenCount: c.reopenCount + 1,
        investigatedThisCycle: false,
        callback: null,
        closedAt: null,
        lastStepAt: data.occurredAt,
      })),
    )
    .exhaustive();

/**
 * The Complaint decider (客户投诉): received -> acknowledged -> assessed -> investigated ->
 * resolved -> callback -> closed, with escalation and reopening.
 *
 * @example
 * const events = complaintDecider.decide(
 *   { type: 'complaint.acknowledge', data: { complaintId: 'c-1', by: 'li', occurredAt: '2026-03-01T09:00:00+08:00' } },
 *   fold(complaintDecider, history),
 * );
 */
export const complaintDecider: Decider<ComplaintCommand, ComplaintEvent, ComplaintState> = {
  decide,
  evolve,
  initialState: initialComplaintState,
};
