import { createInMemoryEventStore, EventStoreError, type EventStore } from '@cs/event-store';
import { describe, expect, it } from 'vitest';
import { createReservationReconciler, reconcileReservations } from '../src/index.ts';
import { allEvents, customerWithOrder, DEFAULT_ORDER_TOTAL, failingAppends, handlerOn, send } from './support.ts';
import { businessClock, openCustomer, placeOrder } from './fixtures.ts';

const types = async (store: ReturnType<typeof createInMemoryEventStore>, streamId: string) => (await store.readStream(streamId)).map((e) => e.type);
const outstanding = async (store: ReturnType<typeof createInMemoryEventStore>, customerId: string) => {
  const events = await store.readStream(`CustomerAccount-${customerId}`);
  const last = [...events].reverse().find((e) => e.type === 'CreditReserved' || e.type === 'CreditReleased');
  return last ? (last.data as { outstandingAfterFen: number }).outstandingAfterFen : 0;
};

describe('order.accept reserves credit on the account, then accepts', () => {
  it('accepted: CreditReserved for the order total, then OrderAccepted; the reply is the order step', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await customerWithOrder(handler, 'a1');
    const reply = await send(handler, 'order.accept', { orderId, occurredAt: at() });
    expect(reply).toMatchObject({ ok: true, streamId: `Order-${orderId}`, eventTypes: ['OrderAccepted'] });
    expect(await types(store, `CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened', 'CreditReserved']);
    expect(await outstanding(store, customerId)).toBe(DEFAULT_ORDER_TOTAL);
    const [reserved] = (await store.readStream(`CustomerAccount-${customerId}`, { fromVersion: 2 }));
    expect(reserved?.metadata.commandId).toBe(`${reply.commandId}/reserve-credit`);
  });

  it.each([
    ['credit_limit_exceeded', { singleOrderCapFen: 1_000_000, outstandingCapFen: DEFAULT_ORDER_TOTAL - 1 }],
    ['single_order_limit_exceeded', { singleOrderCapFen: DEFAULT_ORDER_TOTAL - 1, outstandingCapFen: 10_000_000 }],
  ])('refused credit (%s): OrderRejected{credit_refused}, the reply carries the credit code, a retry gets the same reply', async (code, caps) => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await customerWithOrder(handler, `a-${code}`, caps);
    const payload = { orderId, occurredAt: at() };
    const reply = await send(handler, 'order.accept', payload, `acc-${code}`);
    expect(reply).toMatchObject({ ok: false, error: { code } });
    expect(await types(store, `Order-${orderId}`)).toEqual(['OrderPlaced', 'OrderRejected']);
    const [, rejected] = await store.readStream(`Order-${orderId}`);
    expect(rejected?.data).toMatchObject({ reason: 'credit_refused' });
    expect(await types(store, `CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened']);
    expect(await send(handler, 'order.accept', payload, `acc-${code}`)).toEqual({ ...reply, duplicate: true });
  });

  it('concurrent duplicates of order.accept (accepted and credit-refused): one effect, every sender gets the same reply', async () => {
    const store = createInMemoryEventStore();
    const ok = await customerWithOrder(handlerOn(store), 'cdup-ok');
    const refused = await customerWithOrder(handlerOn(store), 'cdup-no', { singleOrderCapFen: 1_000_000, outstandingCapFen: 1 });
    for (const { orderId, at, customerId } of [ok, refused]) {
      const payload = { orderId, occurredAt: at() };
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => send(handlerOn(store), 'order.accept', payload, `dup-${orderId}`).then((r) => ({ i, r }))));
      for (const { r } of replies) expect({ ...r, duplicate: false }).toEqual({ ...replies[0]!.r, duplicate: false });
      expect(replies[0]!.r.ok).toBe(orderId === ok.orderId);
      expect((await store.readStream(`CustomerAccount-${customerId}`)).filter((e) => e.type === 'CreditReserved').length).toBe(orderId === ok.orderId ? 1 : 0);
      expect((await types(store, `Order-${orderId}`)).slice(1)).toEqual([orderId === ok.orderId ? 'OrderAccepted' : 'OrderRejected']);
    }
  });

  it('a suspended account refuses the reservation (account_not_active) and the order is rejected', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await customerWithOrder(handler, 'susp');
    await send(handler, 'customer.suspend', { customerId, reason: 'audit', occurredAt: at() });
    expect(await send(handler, 'order.accept', { orderId, occurredAt: at() })).toMatchObject({ ok: false, error: { code: 'account_not_active' } });
    expect((await types(store, `Order-${orderId}`)).at(-1)).toBe('OrderRejected');
  });

  it('an order that is not placed gets the order decider code and no reservation', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    expect(await send(handler, 'order.accept', { orderId: 'O-nowhere', occurredAt: '2024-05-01T08:00:00Z' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const { orderId, at } = await customerWithOrder(handler, 'twice');
    await send(handler, 'order.accept', { orderId, occurredAt: at() });
    expect(await send(handler, 'order.accept', { orderId, occurredAt: at() })).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    expect((await allEvents(store)).filter((e) => e.type === 'CreditReserved')).toHaveLength(1);
  });

  it('an acceptance the order refuses anyway (dated before the placement) reserves nothing', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const at = businessClock();
    const openedAt = at();
    const early = at();
    await send(handler, 'customer.open', openCustomer('C-ooo', openedAt));
    await send(handler, 'order.place', placeOrder('O-ooo', 'C-ooo', at()));
    // accepted "before" it was placed: the account's own rules would pass, but the order decider
    // refuses on the order as loaded, before any credit is reserved
    expect(await send(handler, 'order.accept', { orderId: 'O-ooo', occurredAt: early })).toMatchObject({ ok: false, error: { code: 'out_of_order_time' } });
    expect(await types(store, 'CustomerAccount-C-ooo')).toEqual(['CustomerAccountOpened']);
    expect(await outstanding(store, 'C-ooo')).toBe(0);
  });

  it('64 concurrent acceptances against one balance cap: accepted total <= cap and short by less than one order; the rest are credit rejections', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const [other] = [handlerOn(store)];
    const at = businessClock();
    const cap = DEFAULT_ORDER_TOTAL * 20 + 1234;
    await send(handler, 'customer.open', openCustomer('C-cap', at(), { singleOrderCapFen: 1_000_000, outstandingCapFen: cap }));
    const ids = Array.from({ length: 64 }, (_, i) => `O-cap-${i}`);
    for (const id of ids) await send(handler, 'order.place', placeOrder(id, 'C-cap', at()));
    const t = at();
    const replies = await Promise.all(ids.map((orderId, i) => send(i % 2 ? handler : other, 'order.accept', { orderId, occurredAt: t })));
    const accepted = replies.filter((r) => r.ok).length;
    expect(accepted * DEFAULT_ORDER_TOTAL).toBeLessThanOrEqual(cap);
    expect(cap - accepted * DEFAULT_ORDER_TOTAL).toBeLessThan(DEFAULT_ORDER_TOTAL);
    for (const r of replies.filter((x) => !x.ok)) expect(r).toMatchObject({ error: { code: 'credit_limit_exceeded' } });
    expect(await outstanding(store, 'C-cap')).toBe(accepted * DEFAULT_ORDER_TOTAL);
  });
});

describe('a failure between the two steps leaves nothing dangling', () => {
  const acceptFails = (streamId: string, events: { type: string }[]) => streamId.startsWith('Order-') && events.some((e) => e.type === 'OrderAccepted');

  it('the OrderAccepted append fails once: unavailable; the retry with the same command id completes (one reservation, one acceptance)', async () => {
    const base = createInMemoryEventStore();
    const handler = handlerOn(failingAppends(base, acceptFails));
    const { customerId, orderId, at } = await customerWithOrder(handler, 'f1');
    const payload = { orderId, occurredAt: at() };
    expect(await send(handler, 'order.accept', payload, 'accept-f1')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await types(base, `CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened', 'CreditReserved']);
    const retry = await send(handler, 'order.accept', payload, 'accept-f1');
    expect(retry).toMatchObject({ ok: true, eventTypes: ['OrderAccepted'], duplicate: false });
    expect(await types(base, `CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened', 'CreditReserved']);
    expect(await outstanding(base, customerId)).toBe(DEFAULT_ORDER_TOTAL);
  });

  it('keeping the credit refusal fails after the order was rejected: unavailable; the retry gets the credit code, not invalid_state', async () => {
    const base = createInMemoryEventStore();
    let failOnce = true;
    const saveOutcome: EventStore['saveOutcome'] = async (o) => {
      if (failOnce && o.commandId === 'accept-f9') {
        failOnce = false;
        throw new EventStoreError('unavailable', 'injected failure', true);
      }
      return base.saveOutcome(o);
    };
    const handler = handlerOn(Object.assign(Object.create(base) as EventStore, { saveOutcome }));
    const { orderId, at } = await customerWithOrder(handler, 'f9', { singleOrderCapFen: DEFAULT_ORDER_TOTAL - 1, outstandingCapFen: 10_000_000 });
    const payload = { orderId, occurredAt: at() };
    expect(await send(handler, 'order.accept', payload, 'accept-f9')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await types(base, `Order-${orderId}`)).toEqual(['OrderPlaced', 'OrderRejected']);
    const retry = await send(handler, 'order.accept', payload, 'accept-f9');
    expect(retry).toMatchObject({ ok: false, error: { code: 'single_order_limit_exceeded' } });
    expect(await send(handler, 'order.accept', payload, 'accept-f9')).toEqual({ ...retry, duplicate: true });
    expect(await types(base, `Order-${orderId}`)).toEqual(['OrderPlaced', 'OrderRejected']);
  });

  it('no retry: the reconciler completes the acceptance of an order still placed (and a second run does nothing)', async () => {
    const base = createInMemoryEventStore();
    const handler = handlerOn(failingAppends(base, acceptFails));
    const { orderId, at } = await customerWithOrder(handler, 'f2');
    await send(handler, 'order.accept', { orderId, occurredAt: at() });
    const fresh = await reconcileReservations(base, handler, { olderThanMs: 60_000 });
    expect(fresh).toMatchObject({ danglingCredit: 0, accepted: [] }); // inside the grace period
    const report = await reconcileReservations(base, handler, { olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(report).toMatchObject({ danglingCredit: 1, accepted: [orderId], creditReleased: [], failed: [] });
    expect((await types(base, `Order-${orderId}`)).at(-1)).toBe('OrderAccepted');
    expect(await reconcileReservations(base, handler, { olderThanMs: 0, now: () => Date.now() + 1000 })).toMatchObject({ danglingCredit: 0, accepted: [] });
  });

  it('a kept reconciler reads only what was appended since its last run, and still acts on a reservation it read before', async () => {
    const base = createInMemoryEventStore();
    const handler = handlerOn(failingAppends(base, acceptFails));
    const reconciler = createReservationReconciler(base, handler);
    const { orderId, at } = await customerWithOrder(handler, 'f2k');
    await send(handler, 'order.accept', { orderId, occurredAt: at() });
    const before = (await allEvents(base)).length;
    // Inside the grace period: read, nothing done.
    expect(await reconciler.run({ olderThanMs: 60_000 })).toMatchObject({ scanned: before, danglingCredit: 0, accepted: [] });
    const other = await customerWithOrder(handlerOn(base), 'f2k-other');
    await send(handlerOn(base), 'order.accept', { orderId: other.orderId, occurredAt: other.at() });
    const added = (await allEvents(base)).length - before;
    expect(added).toBeGreaterThan(0);
    // Past the grace period: only the new events are read; the reservation read earlier is completed.
    const report = await reconciler.run({ olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(report).toMatchObject({ scanned: added, danglingCredit: 1, accepted: [orderId], failed: [] });
    expect((await types(base, `Order-${orderId}`)).at(-1)).toBe('OrderAccepted');
    // Overlapping runs wait for each other: neither acts again, and the second has nothing new to read.
    const [a, b] = await Promise.all([reconciler.run({ olderThanMs: 0, now: () => Date.now() + 1000 }), reconciler.run({ olderThanMs: 0, now: () => Date.now() + 1000 })]);
    expect([a.accepted, b.accepted]).toEqual([[], []]);
    expect(b.scanned).toBe(0);
  });

  it('no retry and the order was rejected meanwhile: the reconciler releases the reservation', async () => {
    const base = createInMemoryEventStore();
    const handler = handlerOn(failingAppends(base, acceptFails));
    const { customerId, orderId, at } = await customerWithOrder(handler, 'f3');
    await send(handler, 'order.accept', { orderId, occurredAt: at() });
    await send(handler, 'order.reject', { orderId, reason: 'invalid_details', occurredAt: at() });
    expect(await outstanding(base, customerId)).toBe(DEFAULT_ORDER_TOTAL);
    const report = await reconcileReservations(base, handler, { olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(report).toMatchObject({ creditReleased: [orderId], failed: [] });
    expect(await outstanding(base, customerId)).toBe(0);
    const released = (await base.readStream(`CustomerAccount-${customerId}`)).at(-1);
    expect(released?.data).toMatchObject({ reason: 'rejection', remainingFen: 0 });
  });

  it('order.cancel releases the credit; a failed release is left to the reconciler, and the cancel reply stays a success', async () => {
    const base = createInMemoryEventStore();
    const releaseFails = (streamId: string, events: { type: string }[]) => streamId.startsWith('CustomerAccount-') && events.some((e) => e.type === 'CreditReleased');
    const handler = handlerOn(failingAppends(base, releaseFails));
    const { customerId, orderId, at } = await customerWithOrder(handler, 'f4');
    await send(handler, 'order.accept', { orderId, occurredAt: at() });
    const cancel = await send(handler, 'order.cancel', { orderId, reason: 'customer withdrew', occurredAt: at() }, 'cancel-f4');
    expect(cancel).toMatchObject({ ok: true, eventTypes: ['OrderCancelled'] });
    expect(await outstanding(base, customerId)).toBe(DEFAULT_ORDER_TOTAL);
    const report = await reconcileReservations(base, handler, { olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(report).toMatchObject({ creditReleased: [orderId], failed: [] });
    expect(await outstanding(base, customerId)).toBe(0);
    // and without the fault, cancel releases at once
    const ok = handlerOn(base);
    const second = await customerWithOrder(ok, 'f5');
    await send(ok, 'order.accept', { orderId: second.orderId, occurredAt: second.at() });
    await send(ok, 'order.cancel', { orderId: second.orderId, reason: 'r', occurredAt: second.at() });
    expect(await outstanding(base, second.customerId)).toBe(0);
  });
});

describe('returns against delivered quantities', () => {
  const delivered = async (handler: ReturnType<typeof handlerOn>, suffix: string) => {
    const { customerId, orderId, at } = await customerWithOrder(handler, suffix);
    const steps: [string, Record<string, unknown>][] = [
      ['order.accept', { orderId, occurredAt: at() }],
      ['order.prepare', { orderId, lines: [{ lineId: 'L1', pickedQuantity: 10, stockDamaged: false }, { lineId: 'L2', pickedQuantity: 4, stockDamaged: false }], occurredAt: at() }],
      ['order.dispatch', { orderId, carrier: 'Deppon', transportMode: 'road', trackingNumber: 'T', occurredAt: at() }],
      ['order.deliver', { orderId, signatory: 'x', lines: [{ lineId: 'L1', deliveredQuantity: 10, condition: 'intact' }, { lineId: 'L2', deliveredQuantity: 3, condition: 'intact' }], occurredAt: at() }],
    ];
    for (const [type, payload] of steps) expect(await send(handler, type, payload)).toMatchObject({ ok: true });
    return { customerId, orderId, at };
  };
  const request = (returnId: string, orderId: string, customerId: string, quantity: number, occurredAt: string) => ({
    returnId, orderId, customerId, slipNumber: `S-${returnId}`, reason: 'damage', lines: [{ lineId: 'L2', quantity }], occurredAt,
  });

  it('a return beyond the delivered quantity is refused (return_exceeds_delivered) and no return stream is opened', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await delivered(handler, 'ret1');
    expect(await send(handler, 'return.request', request('R-big', orderId, customerId, 4, at()))).toMatchObject({ ok: false, error: { code: 'return_exceeds_delivered' } });
    expect(await store.readStream('ReturnRequest-R-big')).toEqual([]);
  });

  it('concurrent returns never exceed what was delivered', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await delivered(handler, 'ret2');
    const t = at();
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => send(handlerOn(store), 'return.request', request(`R-c${i}`, orderId, customerId, 1, t))));
    expect(replies.filter((r) => r.ok)).toHaveLength(3);
    for (const r of replies.filter((x) => !x.ok)) expect(r).toMatchObject({ error: { code: 'return_exceeds_delivered' } });
  });

  it('opening the return fails after the reservation: the retry completes it, or the reconciler releases it', async () => {
    const base = createInMemoryEventStore();
    const openFails = (streamId: string) => streamId.startsWith('ReturnRequest-');
    const handler = handlerOn(failingAppends(base, openFails, 2));
    const { customerId, orderId, at } = await delivered(handler, 'ret3');
    const payload = request('R-f1', orderId, customerId, 1, at());
    expect(await send(handler, 'return.request', payload, 'ret-f1')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await send(handler, 'return.request', payload, 'ret-f1')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await send(handler, 'return.request', payload, 'ret-f1')).toMatchObject({ ok: true, eventTypes: ['ReturnRequested'] });
    expect((await types(base, `Order-${orderId}`)).filter((t) => t === 'OrderReturnReserved')).toHaveLength(1);

    const h2 = handlerOn(failingAppends(base, openFails));
    const p2 = request('R-f2', orderId, customerId, 2, at());
    expect(await send(h2, 'return.request', p2)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const report = await reconcileReservations(base, h2, { olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(report).toMatchObject({ returnsReleased: [`${orderId}/R-f2`], failed: [] });
    // the released quantity can be returned again under a new id
    expect(await send(h2, 'return.request', request('R-f3', orderId, customerId, 2, at()))).toMatchObject({ ok: true });
  });

  it('return.reject frees the quantities on the order', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await delivered(handler, 'ret4');
    await send(handler, 'return.request', request('R-j', orderId, customerId, 3, at()));
    await send(handler, 'return.inspect', { returnId: 'R-j', clerk: 'c', lines: [{ lineId: 'L2', actualQuantity: 3 }], causeConfirmed: false, occurredAt: at() });
    expect(await send(handler, 'return.reject', { returnId: 'R-j', by: 'm', reason: 'no damage', occurredAt: at() })).toMatchObject({ ok: true, eventTypes: ['ReturnRejected'] });
    expect((await types(store, `Order-${orderId}`)).at(-1)).toBe('OrderReturnReleased');
    expect(await send(handler, 'return.request', request('R-j2', orderId, customerId, 3, at()))).toMatchObject({ ok: true });
  });
});

describe('complaint numbers are unique', () => {
  const receive = (complaintId: string, number: string) => ({
    complaintId, number, customerId: 'C-k', channel: 'phone', category: 'delay', description: 'late', remedySought: 'apology', occurredAt: '2024-05-01T08:00:00Z',
  });

  it('a second complaint with a taken number -> already_exists; a retry of the first finds its own claim', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    expect(await send(handler, 'complaint.receive', receive('K-1', 'TS-2024-000001'))).toMatchObject({ ok: true, eventTypes: ['ComplaintReceived'] });
    expect(await send(handler, 'complaint.receive', receive('K-2', 'TS-2024-000001'))).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await store.readStream('Complaint-K-2')).toEqual([]);
    // the claim exists but the complaint append failed: a retry goes on
    const failing = handlerOn(failingAppends(store, (s) => s === 'Complaint-K-3'));
    expect(await send(failing, 'complaint.receive', receive('K-3', 'TS-2024-000003'), 'k3')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await send(failing, 'complaint.receive', receive('K-3', 'TS-2024-000003'), 'k3')).toMatchObject({ ok: true });
  });

  it('concurrent complaints racing for one number: exactly one wins', async () => {
    const store = createInMemoryEventStore();
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => send(handlerOn(store), 'complaint.receive', receive(`K-r${i}`, 'TS-2024-000777'))));
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    expect(replies.filter((r) => !r.ok && r.error.code === 'already_exists')).toHaveLength(7);
  });
});

describe('the reconciler acts on each reservation, not on each reservation id', () => {
  it('a reservation id reserved again after its release is released again (not answered by the first release kept under the same command id)', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const at = businessClock();
    const customerId = 'C-reuse';
    expect(await send(handler, 'customer.open', openCustomer(customerId, at()))).toMatchObject({ ok: true });
    const reconciler = createReservationReconciler(store, handler);
    const later = { olderThanMs: 0, now: () => Date.now() + 1000 };
    // a direct reservation with no order of that id: released by the reconciler, twice
    for (let round = 1; round <= 2; round++) {
      expect(await send(handler, 'customer.reserveCredit', { customerId, reservationId: 'M-reuse', amountFen: 700, occurredAt: at() })).toMatchObject({ ok: true, eventTypes: ['CreditReserved'] });
      expect(await outstanding(store, customerId)).toBe(700);
      const report = await reconciler.run(later);
      expect(report).toMatchObject({ creditReleased: ['M-reuse'], failed: [] });
      expect(await outstanding(store, customerId)).toBe(0);
    }
    // and nothing is left to act on
    expect(await reconciler.run(later)).toMatchObject({ danglingCredit: 0, creditReleased: [], failed: [] });
    expect(await types(store, `CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened', 'CreditReserved', 'CreditReleased', 'CreditReserved', 'CreditReleased']);
  });
});
