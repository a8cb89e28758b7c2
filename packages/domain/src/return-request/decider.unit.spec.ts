import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { deciderSpec } from '../shared/testing.ts';
import type { ReturnReason, ReturnRequestCommand } from './commands.ts';
import { returnRequestCommandSchemas } from './commands.ts';
import { returnRequestDecider } from './decider.ts';
import type { ReturnRequestEvent } from './events.ts';
import { returnRequestEventSchemas } from './events.ts';
import { returnRequestAggregate } from './index.ts';

const spec = deciderSpec(returnRequestDecider);
const id = 'r-1';
/** Business time `h` hours after 2026-03-02T00:00Z. */
const at = (h: number) => new Date(Date.UTC(2026, 2, 2) + h * 3_600_000).toISOString();
const ids = (h: number) => ({ returnId: id, orderId: 'o-9', customerId: 'cust-7', occurredAt: at(h) });

// ---- commands
const request = (h = 0): ReturnRequestCommand => ({
  type: 'return.request',
  data: {
    returnId: id,
    orderId: 'o-9',
    customerId: 'cust-7',
    slipNumber: 'TH-0001',
    reason: 'damage',
    lines: [
      { lineId: 'L1', quantity: 3 },
      { lineId: 'L2', quantity: 1 },
    ],
    occurredAt: at(h),
  },
});
const inspect = (
  h = 1,
  lines = [
    { lineId: 'L1', actualQuantity: 2 },
    { lineId: 'L2', actualQuantity: 1 },
  ],
  confirmedReason: ReturnReason | null = 'error',
): ReturnRequestCommand => ({
  type: 'return.inspect',
  data: {
    returnId: id,
    clerk: 'sun',
    lines,
    causeConfirmed: confirmedReason !== null,
    confirmedReason: confirmedReason ?? undefined,
    occurredAt: at(h),
  },
});
const notifyDc = (h = 2): ReturnRequestCommand => ({
  type: 'return.notifyDistributionCentre',
  data: { returnId: id, reference: 'DC-77', occurredAt: at(h) },
});
const review = (h = 3, passed = true): ReturnRequestCommand => ({
  type: 'return.review',
  data: { returnId: id, reviewer: 'qian', passed, occurredAt: at(h) },
});
const approve = (h = 4): ReturnRequestCommand => ({ type: 'return.approve', data: { returnId: id, by: 'chen', occurredAt: at(h) } });
const reject = (h = 4): ReturnRequestCommand => ({
  type: 'return.reject',
  data: { returnId: id, by: 'chen', reason: 'used goods', occurredAt: at(h) },
});
const settle = (h = 5, outcome: 'refund' | 'exchange' | 'compensation' = 'refund', amountFen = 12_000): ReturnRequestCommand => ({
  type: 'return.settle',
  data: { returnId: id, outcome, amountFen, occurredAt: at(h) },
});
const dispose = (h = 6): ReturnRequestCommand => ({
  type: 'return.recordDisposition',
  data: { returnId: id, disposition: 'scrapped', occurredAt: at(h) },
});
const close = (h = 7): ReturnRequestCommand => ({ type: 'return.close', data: { returnId: id, occurredAt: at(h) } });

// ---- events
const requestedLines = [
  { lineId: 'L1', quantity: 3 },
  { lineId: 'L2', quantity: 1 },
];
const inspectedLines = [
  { lineId: 'L1', requestedQuantity: 3, actualQuantity: 2 },
  { lineId: 'L2', requestedQuantity: 1, actualQuantity: 1 },
];
const requested: ReturnRequestEvent = {
  type: 'ReturnRequested',
  data: { ...ids(0), slipNumber: 'TH-0001', reason: 'damage', lines: requestedLines, description: null },
};
const inspected: ReturnRequestEvent = {
  type: 'ReturnInspected',
  data: {
    ...ids(1),
    clerk: 'sun',
    lines: inspectedLines,
    statedReason: 'damage',
    causeConfirmed: true,
    confirmedReason: 'error',
    requestedAt: at(0),
  },
};
const dcNotified: ReturnRequestEvent = { type: 'ReturnSentToDistributionCentre', data: { ...ids(2), reference: 'DC-77' } };
const reviewed = (h = 3, passed = true): ReturnRequestEvent => ({
  type: 'ReturnReviewed',
  data: { ...ids(h), reviewer: 'qian', passed, notes: null },
});
const approved: ReturnRequestEvent = {
  type: 'ReturnApproved',
  data: { ...ids(4), by: 'chen', lines: inspectedLines, confirmedReason: 'error', requestedAt: at(0) },
};
const rejected = (fromStatus: 'inspected' | 'dc_notified' | 'reviewed', h = 4): ReturnRequestEvent => ({
  type: 'ReturnRejected',
  data: { ...ids(h), by: 'chen', reason: 'used goods', lines: requestedLines, fromStatus, requestedAt: at(0) },
});
const settled: ReturnRequestEvent = {
  type: 'ReturnSettled',
  data: { ...ids(5), outcome: 'refund', amountFen: 12_000, confirmedReason: 'error', requestedAt: at(0) },
};
const disposed: ReturnRequestEvent = { type: 'ReturnDispositionRecorded', data: { ...ids(6), disposition: 'scrapped', notes: null } };
const closedEvent = (h: number, result: 'completed' | 'rejected'): ReturnRequestEvent => ({
  type: 'ReturnClosed',
  data: { ...ids(h), result, outcome: result === 'completed' ? 'refund' : null, requestedAt: at(0) },
});

const upToInspected = [requested, inspected];
const upToDc = [...upToInspected, dcNotified];
const upToReviewed = [...upToDc, reviewed()];
const upToApproved = [...upToReviewed, approved];
const upToSettled = [...upToApproved, settled];
const upToDisposed = [...upToSettled, disposed];
const upToClosed = [...upToDisposed, closedEvent(7, 'completed')];

describe('return.request', () => {
  it('requests a return', () => spec.given([]).when(request()).then([requested]));
  it('already_exists for an existing return', () => spec.given([requested]).when(request()).thenThrows('already_exists'));
  it('schema refuses duplicate lines, zero quantities and an unknown reason', () => {
    const d = request().data;
    const s = returnRequestCommandSchemas['return.request'];
    expect(s.safeParse(d).success).toBe(true);
    expect(s.safeParse({ ...d, lines: [{ lineId: 'L1', quantity: 1 }, { lineId: 'L1', quantity: 2 }] }).success).toBe(false);
    expect(s.safeParse({ ...d, lines: [{ lineId: 'L1', quantity: 0 }] }).success).toBe(false);
    expect(s.safeParse({ ...d, lines: [] }).success).toBe(false);
    expect(s.safeParse({ ...d, reason: 'boredom' }).success).toBe(false);
  });
});

describe('return.inspect', () => {
  it('records actual quantities and the confirmed reason', () => spec.given([requested]).when(inspect()).then([inspected]));
  it('an unconfirmed cause carries confirmedReason null', () => {
    const [ev] = spec.given([requested]).when(inspect(1, undefined, null)).events();
    expect(ev?.type === 'ReturnInspected' && [ev.data.causeConfirmed, ev.data.confirmedReason]).toEqual([false, null]);
  });
  it('unknown_line for a line not on the return', () =>
    spec
      .given([requested])
      .when(inspect(1, [{ lineId: 'L1', actualQuantity: 1 }, { lineId: 'L2', actualQuantity: 1 }, { lineId: 'L3', actualQuantity: 1 }]))
      .thenThrows('unknown_line'));
  it('invalid_quantity when the actual exceeds the requested', () =>
    spec.given([requested]).when(inspect(1, [{ lineId: 'L1', actualQuantity: 4 }, { lineId: 'L2', actualQuantity: 1 }])).thenThrows('invalid_quantity'));
  it('invalid_quantity when a requested line is missing', () =>
    spec.given([requested]).when(inspect(1, [{ lineId: 'L1', actualQuantity: 3 }])).thenThrows('invalid_quantity'));
  it('schema requires confirmedReason exactly when causeConfirmed', () => {
    const s = returnRequestCommandSchemas['return.inspect'];
    const d = { returnId: id, clerk: 'sun', lines: [{ lineId: 'L1', actualQuantity: 1 }], occurredAt: at(1) };
    expect(s.safeParse({ ...d, causeConfirmed: true }).success).toBe(false);
    expect(s.safeParse({ ...d, causeConfirmed: false, confirmedReason: 'damage' }).success).toBe(false);
    expect(s.safeParse({ ...d, causeConfirmed: true, confirmedReason: 'damage' }).success).toBe(true);
  });
  it('not_found on a missing return', () => spec.given([]).when(inspect()).thenThrows('not_found'));
  it('invalid_state when already inspected', () => spec.given(upToInspected).when(inspect(2)).thenThrows('invalid_state'));
  it('out_of_order_time before the request', () => spec.given([requested]).when(inspect(-1)).thenThrows('out_of_order_time'));
});

describe('return.notifyDistributionCentre', () => {
  it('sends the information after inspection', () => spec.given(upToInspected).when(notifyDc()).then([dcNotified]));
  it('not_found on a missing return', () => spec.given([]).when(notifyDc()).thenThrows('not_found'));
  it('invalid_state before inspection', () => spec.given([requested]).when(notifyDc()).thenThrows('invalid_state'));
  it('out_of_order_time before the inspection', () => spec.given(upToInspected).when(notifyDc(0.5)).thenThrows('out_of_order_time'));
});

describe('return.review', () => {
  it('records a passed review', () => spec.given(upToDc).when(review()).then([reviewed()]));
  it('a failed review may be repeated', () => spec.given([...upToDc, reviewed(3, false)]).when(review(3.5)).then([reviewed(3.5)]));
  it('invalid_state after a passed review', () => spec.given(upToReviewed).when(review(4)).thenThrows('invalid_state'));
  it('invalid_state before the distribution centre was notified', () => spec.given(upToInspected).when(review()).thenThrows('invalid_state'));
  it('not_found on a missing return', () => spec.given([]).when(review()).thenThrows('not_found'));
  it('out_of_order_time before the notification', () => spec.given(upToDc).when(review(1.5)).thenThrows('out_of_order_time'));
});

describe('return.approve', () => {
  it('approves after a passed review', () => spec.given(upToReviewed).when(approve()).then([approved]));
  it('invalid_state after a failed review', () => spec.given([...upToDc, reviewed(3, false)]).when(approve()).thenThrows('invalid_state'));
  it('invalid_state before review', () => spec.given(upToDc).when(approve()).thenThrows('invalid_state'));
  it('not_found on a missing return', () => spec.given([]).when(approve()).thenThrows('not_found'));
  it('out_of_order_time before the review', () => spec.given(upToReviewed).when(approve(2.5)).thenThrows('out_of_order_time'));
});

describe('return.reject', () => {
  it('rejects after a review, carrying the requested lines for release', () =>
    spec.given(upToReviewed).when(reject()).then([rejected('reviewed')]));
  it('rejects straight after inspection', () => spec.given(upToInspected).when(reject(2)).then([rejected('inspected', 2)]));
  it('invalid_state once approved', () => spec.given(upToApproved).when(reject(5)).thenThrows('invalid_state'));
  it('invalid_state before inspection', () => spec.given([requested]).when(reject(1)).thenThrows('invalid_state'));
  it('not_found on a missing return', () => spec.given([]).when(reject()).thenThrows('not_found'));
  it('out_of_order_time before the review', () => spec.given(upToReviewed).when(reject(2)).thenThrows('out_of_order_time'));
});

describe('return.settle', () => {
  it('settles a refund', () => spec.given(upToApproved).when(settle()).then([settled]));
  it('settles an exchange at 0', () => {
    const [ev] = spec.given(upToApproved).when(settle(5, 'exchange', 0)).events();
    expect(ev?.type === 'ReturnSettled' && [ev.data.outcome, ev.data.amountFen]).toEqual(['exchange', 0]);
  });
  it('invalid_amount for an exchange with money', () => spec.given(upToApproved).when(settle(5, 'exchange', 1)).thenThrows('invalid_amount'));
  it('invalid_amount for a compensation of 0', () => spec.given(upToApproved).when(settle(5, 'compensation', 0)).thenThrows('invalid_amount'));
  it('schema refuses the same amounts and float money', () => {
    const s = returnRequestCommandSchemas['return.settle'];
    expect(s.safeParse({ returnId: id, outcome: 'exchange', amountFen: 5, occurredAt: at(5) }).success).toBe(false);
    expect(s.safeParse({ returnId: id, outcome: 'refund', amountFen: 0, occurredAt: at(5) }).success).toBe(false);
    expect(s.safeParse({ returnId: id, outcome: 'refund', amountFen: 1.5, occurredAt: at(5) }).success).toBe(false);
  });
  it('invalid_state before approval', () => spec.given(upToReviewed).when(settle()).thenThrows('invalid_state'));
  it('invalid_state after rejection', () => spec.given([...upToReviewed, rejected('reviewed')]).when(settle()).thenThrows('invalid_state'));
  it('not_found on a missing return', () => spec.given([]).when(settle()).thenThrows('not_found'));
  it('out_of_order_time before approval', () => spec.given(upToApproved).when(settle(3.5)).thenThrows('out_of_order_time'));
});

describe('return.recordDisposition', () => {
  it('records the disposition after settlement', () => spec.given(upToSettled).when(dispose()).then([disposed]));
  it('invalid_state before settlement', () => spec.given(upToApproved).when(dispose()).thenThrows('invalid_state'));
  it('not_found on a missing return', () => spec.given([]).when(dispose()).thenThrows('not_found'));
  it('out_of_order_time before settlement', () => spec.given(upToSettled).when(dispose(4.5)).thenThrows('out_of_order_time'));
});

describe('return.close', () => {
  it('closes a completed return', () => spec.given(upToDisposed).when(close()).then([closedEvent(7, 'completed')]));
  it('closes a rejected return', () =>
    spec.given([...upToReviewed, rejected('reviewed')]).when(close(5)).then([closedEvent(5, 'rejected')]));
  it('invalid_state before disposition', () => spec.given(upToSettled).when(close()).thenThrows('invalid_state'));
  it('invalid_state when already closed', () => spec.given(upToClosed).when(close(8)).thenThrows('invalid_state'));
  it('not_found on a missing return', () => spec.given([]).when(close()).thenThrows('not_found'));
  it('out_of_order_time before the disposition', () => spec.given(upToDisposed).when(close(5.5)).thenThrows('out_of_order_time'));
});

describe('state and definition', () => {
  it('a closed return refuses every command with invalid_state', () => {
    for (const cmd of [inspect(9), notifyDc(9), review(9), approve(9), reject(9), settle(9), dispose(9), close(9)]) {
      spec.given(upToClosed).when(cmd).thenThrows('invalid_state');
    }
  });
  it('folds the whole lifecycle', () => {
    const s = fold(returnRequestDecider, upToClosed);
    expect(s.status !== 'initial' && [s.status, s.confirmedReason, s.outcome, s.disposition]).toEqual(['closed', 'error', 'refund', 'scrapped']);
  });
  it('every event passes its own schema', () => {
    for (const e of [...upToClosed, rejected('dc_notified'), reviewed(3, false)]) {
      expect(returnRequestEventSchemas[e.type].schema.safeParse(e.data).success, e.type).toBe(true);
    }
  });
  it('the aggregate definition addresses ReturnRequest-<returnId>', () => {
    expect(returnRequestAggregate.category).toBe('ReturnRequest');
    expect(returnRequestAggregate.commands['return.close'].aggregateId({ returnId: 'r-9', occurredAt: at(0) })).toBe('r-9');
    expect(returnRequestAggregate.commands['return.request'].creates).toBe(true);
  });
});
