import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { deciderSpec } from '../shared/testing.ts';
import type { ComplaintCommand } from './commands.ts';
import { complaintCommandSchemas } from './commands.ts';
import { complaintDecider } from './decider.ts';
import type { ComplaintEvent } from './events.ts';
import { complaintEventSchemas } from './events.ts';
import { complaintAggregate, isoStageOf } from './index.ts';

const spec = deciderSpec(complaintDecider);
const id = 'c-1';
const cust = 'cust-7';
/** Business time `h` hours after 2026-03-02T00:00Z. */
const at = (h: number) => new Date(Date.UTC(2026, 2, 2) + h * 3_600_000).toISOString();
const ids = (h: number) => ({ complaintId: id, customerId: cust, occurredAt: at(h) });

// ---- commands
const receive = (h = 0): ComplaintCommand => ({
  type: 'complaint.receive',
  data: {
    complaintId: id,
    number: 'TS-2026-000123',
    customerId: cust,
    orderId: 'o-9',
    channel: 'phone',
    category: 'damage',
    description: 'two cartons crushed',
    remedySought: 'replacement',
    occurredAt: at(h),
  },
});
const acknowledge = (h = 1): ComplaintCommand => ({ type: 'complaint.acknowledge', data: { complaintId: id, by: 'li', occurredAt: at(h) } });
const assess = (h = 2): ComplaintCommand => ({
  type: 'complaint.assess',
  data: { complaintId: id, severity: 'high', owner: 'wang', urgent: true, occurredAt: at(h) },
});
const investigate = (h = 3): ComplaintCommand => ({
  type: 'complaint.investigate',
  data: { complaintId: id, rootCause: 'loose strapping', correctiveAction: 'retrain loaders', occurredAt: at(h) },
});
const notify = (h: number): ComplaintCommand => ({
  type: 'complaint.notifyProgress',
  data: { complaintId: id, message: 'we are on it', via: 'sms', occurredAt: at(h) },
});
const resolve = (h = 4, compensationFen = 50_000, carrierClaimFen?: number): ComplaintCommand => ({
  type: 'complaint.resolve',
  data: { complaintId: id, resolution: 'replaced', compensationFen, carrierClaimFen, occurredAt: at(h) },
});
const callback = (h = 5, properlyHandled = true, customerSatisfied = true): ComplaintCommand => ({
  type: 'complaint.recordCallback',
  data: { complaintId: id, by: 'zhao', properlyHandled, customerSatisfied, occurredAt: at(h) },
});
const escalate = (h: number): ComplaintCommand => ({
  type: 'complaint.escalate',
  data: { complaintId: id, reason: 'customer unhappy', escalatedTo: 'general manager', appealRightsNotified: true, occurredAt: at(h) },
});
const close = (h = 6): ComplaintCommand => ({ type: 'complaint.close', data: { complaintId: id, occurredAt: at(h) } });
const reopen = (h = 7): ComplaintCommand => ({ type: 'complaint.reopen', data: { complaintId: id, reason: 'damage reappeared', occurredAt: at(h) } });

// ---- events
const received: ComplaintEvent = {
  type: 'ComplaintReceived',
  data: {
    ...ids(0),
    number: 'TS-2026-000123',
    orderId: 'o-9',
    channel: 'phone',
    category: 'damage',
    description: 'two cartons crushed',
    remedySought: 'replacement',
  },
};
const acknowledged: ComplaintEvent = { type: 'ComplaintAcknowledged', data: { ...ids(1), by: 'li', receivedAt: at(0) } };
const assessed: ComplaintEvent = {
  type: 'ComplaintAssessed',
  data: { ...ids(2), number: 'TS-2026-000123', category: 'damage', severity: 'high', owner: 'wang', urgent: true, receivedAt: at(0) },
};
const investigated = (h = 3, isReinvestigation = false): ComplaintEvent => ({
  type: 'ComplaintInvestigated',
  data: { ...ids(h), rootCause: 'loose strapping', correctiveAction: 'retrain loaders', isReinvestigation },
});
const resolved = (h = 4, first = 4, reopenCount = 0): ComplaintEvent => ({
  type: 'ComplaintResolved',
  data: {
    ...ids(h),
    resolution: 'replaced',
    compensationFen: 50_000,
    carrierClaimFen: 0,
    isFirstResolution: h === first,
    receivedAt: at(0),
    firstResolvedAt: at(first),
    category: 'damage',
    severity: 'high',
    reopenCount,
  },
});
const calledBack = (h = 5, properlyHandled = true, customerSatisfied = true): ComplaintEvent => ({
  type: 'ComplaintCallbackRecorded',
  data: { ...ids(h), by: 'zhao', properlyHandled, customerSatisfied, notes: null },
});
const escalated = (h: number, fromStatus: 'assessed' | 'investigated' | 'resolved' | 'reopened', count = 1): ComplaintEvent => ({
  type: 'ComplaintEscalated',
  data: { ...ids(h), reason: 'customer unhappy', escalatedTo: 'general manager', appealRightsNotified: true, fromStatus, escalationCount: count },
});
const closed = (h = 6, reopenCount = 0, first = 4): ComplaintEvent => ({
  type: 'ComplaintClosed',
  data: { ...ids(h), receivedAt: at(0), firstResolvedAt: at(first), reopenCount, escalationCount: 0 },
});
const reopened = (h = 7, count = 1): ComplaintEvent => ({
  type: 'ComplaintReopened',
  data: { ...ids(h), reason: 'damage reappeared', reopenCount: count, receivedAt: at(0), firstResolvedAt: at(4) },
});

const upToAcknowledged = [received, acknowledged];
const upToAssessed = [...upToAcknowledged, assessed];
const upToInvestigated = [...upToAssessed, investigated()];
const upToResolved = [...upToInvestigated, resolved()];
const upToCallback = [...upToResolved, calledBack()];
const upToClosed = [...upToCallback, closed()];

describe('complaint.receive', () => {
  it('registers a new complaint', () => spec.given([]).when(receive()).then([received]));
  it('refuses an existing complaint: already_exists', () => spec.given([received]).when(receive()).thenThrows('already_exists'));
  it('records a missing order as null', () => {
    const cmd = receive();
    if (cmd.type !== 'complaint.receive') throw new Error('fixture');
    const { orderId: _omit, ...rest } = cmd.data;
    const [ev] = spec.given([]).when({ type: 'complaint.receive', data: rest }).events();
    expect(ev?.type === 'ComplaintReceived' && ev.data.orderId).toBeNull();
  });
  it('schema refuses a malformed number and an unknown channel', () => {
    const ok = { ...receive().data };
    expect(complaintCommandSchemas['complaint.receive'].safeParse(ok).success).toBe(true);
    expect(complaintCommandSchemas['complaint.receive'].safeParse({ ...ok, number: 'TS-26-1' }).success).toBe(false);
    expect(complaintCommandSchemas['complaint.receive'].safeParse({ ...ok, channel: 'pigeon' }).success).toBe(false);
  });
});

describe('complaint.acknowledge', () => {
  it('acknowledges a received complaint', () => spec.given([received]).when(acknowledge()).then([acknowledged]));
  it('not_found on a missing complaint', () => spec.given([]).when(acknowledge()).thenThrows('not_found'));
  it('invalid_state when already acknowledged', () => spec.given(upToAcknowledged).when(acknowledge(2)).thenThrows('invalid_state'));
  it('out_of_order_time before receipt', () => spec.given([received]).when(acknowledge(-1)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(acknowledge(9)).thenThrows('complaint_closed'));
});

describe('complaint.assess', () => {
  it('assesses an acknowledged complaint', () => spec.given(upToAcknowledged).when(assess()).then([assessed]));
  it('not_found on a missing complaint', () => spec.given([]).when(assess()).thenThrows('not_found'));
  it('invalid_state before acknowledgement', () => spec.given([received]).when(assess()).thenThrows('invalid_state'));
  it('out_of_order_time before acknowledgement', () => spec.given(upToAcknowledged).when(assess(0.5)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(assess(9)).thenThrows('complaint_closed'));
});

describe('complaint.investigate', () => {
  it('records root cause and corrective action', () => spec.given(upToAssessed).when(investigate()).then([investigated()]));
  it('a reopened complaint is reinvestigated', () =>
    spec.given([...upToClosed, reopened()]).when(investigate(8)).then([investigated(8, true)]));
  it('an escalated complaint may be investigated', () =>
    spec.given([...upToAssessed, escalated(3, 'assessed')]).when(investigate(4)).then([investigated(4)]));
  it('not_found on a missing complaint', () => spec.given([]).when(investigate()).thenThrows('not_found'));
  it('invalid_state before assessment', () => spec.given(upToAcknowledged).when(investigate()).thenThrows('invalid_state'));
  it('invalid_state when already investigated', () => spec.given(upToInvestigated).when(investigate(5)).thenThrows('invalid_state'));
  it('out_of_order_time before assessment', () => spec.given(upToAssessed).when(investigate(1)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(investigate(9)).thenThrows('complaint_closed'));
});

describe('complaint.notifyProgress', () => {
  it('is allowed in any open stage and records where the complaint stood', () => {
    for (const [history, status] of [
      [[received], 'received'],
      [upToAssessed, 'assessed'],
      [upToResolved, 'resolved'],
      [[...upToInvestigated, escalated(4, 'investigated')], 'escalated'],
    ] as const) {
      spec
        .given([...history])
        .when(notify(10))
        .then([{ type: 'ComplaintProgressNotified', data: { ...ids(10), message: 'we are on it', via: 'sms', status } }]);
    }
  });
  it('does not move the lifecycle clock (a late-keyed notification is fine)', () =>
    expect(spec.given(upToInvestigated).when(notify(0.5)).events().map((e) => e.type)).toEqual(['ComplaintProgressNotified']));
  it('not_found on a missing complaint', () => spec.given([]).when(notify(1)).thenThrows('not_found'));
  it('out_of_order_time before receipt', () => spec.given([received]).when(notify(-2)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(notify(9)).thenThrows('complaint_closed'));
});

describe('complaint.resolve', () => {
  it('first resolution', () => spec.given(upToInvestigated).when(resolve()).then([resolved()]));
  it('carries the carrier claim', () => {
    const [ev] = spec.given(upToInvestigated).when(resolve(4, 50_000, 30_000)).events();
    expect(ev?.type === 'ComplaintResolved' && ev.data.carrierClaimFen).toBe(30_000);
  });
  it('zero compensation is allowed', () => {
    const [ev] = spec.given(upToInvestigated).when(resolve(4, 0)).events();
    expect(ev?.type === 'ComplaintResolved' && ev.data.compensationFen).toBe(0);
  });
  it('a re-resolution after reopening keeps the first resolution time', () =>
    spec
      .given([...upToClosed, reopened(), investigated(8, true)])
      .when(resolve(9))
      .then([resolved(9, 4, 1)]));
  it('an escalated complaint with an investigation may be resolved by management', () => {
    const [ev] = spec.given([...upToInvestigated, escalated(4, 'investigated')]).when(resolve(5)).events();
    expect(ev?.type === 'ComplaintResolved' && ev.data.isFirstResolution).toBe(true);
  });
  it('invalid_state when escalated before any investigation', () =>
    spec.given([...upToAssessed, escalated(3, 'assessed')]).when(resolve(4)).thenThrows('invalid_state'));
  it('invalid_amount when the carrier claim exceeds the compensation', () =>
    spec.given(upToInvestigated).when(resolve(4, 100, 101)).thenThrows('invalid_amount'));
  it('schema refuses a carrier claim above the compensation and float money', () => {
    const s = complaintCommandSchemas['complaint.resolve'];
    expect(s.safeParse({ complaintId: id, resolution: 'x', compensationFen: 100, carrierClaimFen: 101, occurredAt: at(4) }).success).toBe(false);
    expect(s.safeParse({ complaintId: id, resolution: 'x', compensationFen: 10.5, occurredAt: at(4) }).success).toBe(false);
  });
  it('not_found on a missing complaint', () => spec.given([]).when(resolve()).thenThrows('not_found'));
  it('invalid_state before investigation', () => spec.given(upToAssessed).when(resolve()).thenThrows('invalid_state'));
  it('invalid_state when already resolved', () => spec.given(upToResolved).when(resolve(5)).thenThrows('invalid_state'));
  it('out_of_order_time before the investigation', () => spec.given(upToInvestigated).when(resolve(2.5)).thenThrows('out_of_order_time'));
  it('out_of_order_time before receipt', () => spec.given(upToInvestigated).when(resolve(-1)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(resolve(9)).thenThrows('complaint_closed'));
});

describe('complaint.recordCallback', () => {
  it('records the callback on a resolved complaint', () => spec.given(upToResolved).when(callback()).then([calledBack()]));
  it('a later callback may follow an unconfirmed one', () =>
    spec.given([...upToResolved, calledBack(5, false, false)]).when(callback(6)).then([calledBack(6)]));
  it('not_found on a missing complaint', () => spec.given([]).when(callback()).thenThrows('not_found'));
  it('invalid_state before resolution', () => spec.given(upToInvestigated).when(callback()).thenThrows('invalid_state'));
  it('out_of_order_time before the resolution', () => spec.given(upToResolved).when(callback(3.5)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(callback(9)).thenThrows('complaint_closed'));
});

describe('complaint.escalate', () => {
  it('after a callback with an unsatisfied customer', () =>
    spec.given([...upToResolved, calledBack(5, true, false)]).when(escalate(6)).then([escalated(6, 'resolved')]));
  it('from investigated', () => spec.given(upToInvestigated).when(escalate(4)).then([escalated(4, 'investigated')]));
  it('from resolved before any callback', () => spec.given(upToResolved).when(escalate(5)).then([escalated(5, 'resolved')]));
  it('a second escalation counts', () =>
    spec
      .given([...upToInvestigated, escalated(4, 'investigated'), resolved(5, 5)])
      .when(escalate(6))
      .then([escalated(6, 'resolved', 2)]));
  it('invalid_state once the callback confirmed full satisfaction', () =>
    spec.given(upToCallback).when(escalate(6)).thenThrows('invalid_state'));
  it('invalid_state before assessment', () => spec.given(upToAcknowledged).when(escalate(2)).thenThrows('invalid_state'));
  it('invalid_state when already escalated', () =>
    spec.given([...upToInvestigated, escalated(4, 'investigated')]).when(escalate(5)).thenThrows('invalid_state'));
  it('schema requires appealRightsNotified to be true', () => {
    const d = { complaintId: id, reason: 'r', escalatedTo: 'gm', occurredAt: at(4) };
    expect(complaintCommandSchemas['complaint.escalate'].safeParse({ ...d, appealRightsNotified: false }).success).toBe(false);
    expect(complaintCommandSchemas['complaint.escalate'].safeParse({ ...d, appealRightsNotified: true }).success).toBe(true);
  });
  it('not_found on a missing complaint', () => spec.given([]).when(escalate(1)).thenThrows('not_found'));
  it('out_of_order_time before the previous step', () => spec.given(upToInvestigated).when(escalate(2)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(escalate(9)).thenThrows('complaint_closed'));
});

describe('complaint.close', () => {
  it('closes after resolution and a confirming callback', () => spec.given(upToCallback).when(close()).then([closed()]));
  it('a properly handled but unsatisfied callback is enough to close', () =>
    expect(spec.given([...upToResolved, calledBack(5, true, false)]).when(close()).events().map((e) => e.type)).toEqual([
      'ComplaintClosed',
    ]));
  it('complaint_not_resolved before resolution', () => spec.given(upToInvestigated).when(close()).thenThrows('complaint_not_resolved'));
  it('complaint_not_resolved when escalated after resolution', () =>
    spec.given([...upToResolved, escalated(5, 'resolved')]).when(close()).thenThrows('complaint_not_resolved'));
  it('callback_required without a callback', () => spec.given(upToResolved).when(close()).thenThrows('callback_required'));
  it('callback_required when the callback did not confirm', () =>
    spec.given([...upToResolved, calledBack(5, false, true)]).when(close()).thenThrows('callback_required'));
  it('not_found on a missing complaint', () => spec.given([]).when(close()).thenThrows('not_found'));
  it('out_of_order_time before the callback', () => spec.given(upToCallback).when(close(4.5)).thenThrows('out_of_order_time'));
  it('complaint_closed when closed', () => spec.given(upToClosed).when(close(9)).thenThrows('complaint_closed'));
});

describe('complaint.reopen', () => {
  it('reopens a closed complaint with its count', () => spec.given(upToClosed).when(reopen()).then([reopened()]));
  it('the second reopening carries count 2', () =>
    spec
      .given([...upToClosed, reopened(), investigated(8, true), resolved(9, 4, 1), calledBack(10), closed(11, 1)])
      .when(reopen(12))
      .then([{ ...reopened(12, 2) }]));
  it('invalid_state when not closed', () => spec.given(upToCallback).when(reopen()).thenThrows('invalid_state'));
  it('not_found on a missing complaint', () => spec.given([]).when(reopen()).thenThrows('not_found'));
  it('out_of_order_time before closing', () => spec.given(upToClosed).when(reopen(5)).thenThrows('out_of_order_time'));
});

describe('state and stages', () => {
  it('keeps firstResolvedAt across reopening and re-resolution', () => {
    const s = fold(complaintDecider, [...upToClosed, reopened(), investigated(8, true), resolved(9, 4, 1)]);
    expect(s.status !== 'initial' && [s.firstResolvedAt, s.lastResolvedAt, s.reopenCount]).toEqual([at(4), at(9), 1]);
  });
  it('maps every status to an ISO 10002 stage', () => {
    const stages = [
      [[], null],
      [[received], 'receipt'],
      [upToAcknowledged, 'acknowledgement'],
      [upToAssessed, 'initial_assessment'],
      [upToInvestigated, 'investigation'],
      [[...upToInvestigated, escalated(4, 'investigated')], 'tracking'],
      [upToResolved, 'response'],
      [upToCallback, 'response'],
      [upToClosed, 'closing'],
      [[...upToClosed, reopened()], 'investigation'],
    ] as const;
    for (const [history, stage] of stages) expect(isoStageOf(fold(complaintDecider, [...history]))).toBe(stage);
  });
  it('every produced event of a full lifecycle passes its own schema', () => {
    const events = [...upToClosed, reopened(), investigated(8, true), resolved(9, 4, 1), escalated(10, 'resolved')];
    for (const e of events) expect(complaintEventSchemas[e.type].schema.safeParse(e.data).success, e.type).toBe(true);
  });
  it('the aggregate definition addresses Complaint-<complaintId>', () => {
    expect(complaintAggregate.category).toBe('Complaint');
    expect(complaintAggregate.commands['complaint.close'].aggregateId({ complaintId: 'c-9', occurredAt: at(0) })).toBe('c-9');
    expect(complaintAggregate.commands['complaint.receive'].creates).toBe(true);
  });
});
