import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileReservations, type AnyAggregate } from '../src/index.ts';
import { businessClock, fullLifecycle, openCustomer, placeOrder } from './fixtures.ts';
import { aggregates } from '@cs/domain';
import { customerWithOrder, decorate, DEFAULT_ORDER_TOTAL, failingAppends, handlerOn, send } from './support.ts';

// Two handler instances, each with its own pool on one PostgreSQL database: the conflicts and
// duplicates between them are real ones, settled by the store (advisory locks, outcome table).
let db: TestDatabase;
let storeA: EventStore;
let storeB: EventStore;

beforeAll(async () => {
  db = await createTestDatabase('application');
  storeA = await createPostgresEventStore({ connectionString: db.url, max: 8 });
  storeB = await createPostgresEventStore({ connectionString: db.url, max: 8 });
});
afterAll(async () => {
  await storeA?.close();
  await storeB?.close();
  await db?.drop();
});

describe('the write path on PostgreSQL', () => {
  it('every command type: a realistic lifecycle, alternating between two instances', async () => {
    const [a, b] = [handlerOn(storeA), handlerOn(storeB)];
    for (const [i, step] of fullLifecycle('pg').entries()) {
      const reply = await send(i % 2 ? a : b, step.type, step.payload, `pg-life-${i}`);
      expect(reply, `${i}: ${step.type}`).toMatchObject({ ok: true, eventTypes: step.events });
    }
  });

  it('the same command id sent to both instances at once, many times: one effect, one reply', async () => {
    const [a, b] = [handlerOn(storeA), handlerOn(storeB)];
    const { orderId, at } = await customerWithOrder(a, 'pg-dup');
    const payload = { orderId, location: 'hub', statusNote: 'n', occurredAt: at() };
    await send(a, 'order.accept', { orderId, occurredAt: at() });
    await send(a, 'order.prepare', { orderId, lines: [{ lineId: 'L1', pickedQuantity: 10, stockDamaged: false }, { lineId: 'L2', pickedQuantity: 4, stockDamaged: false }], occurredAt: at() });
    await send(a, 'order.dispatch', { orderId, carrier: 'c', transportMode: 'road', trackingNumber: 't', occurredAt: at() });
    const t = at();
    const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => send(i % 2 ? a : b, 'order.recordTracking', { ...payload, occurredAt: t }, 'pg-dup-track')));
    const firsts = replies.filter((r) => r.ok && !r.duplicate);
    expect(firsts).toHaveLength(1);
    for (const r of replies) expect({ ...r, duplicate: false }).toEqual(firsts[0]);
    expect((await storeA.readStream(`Order-${orderId}`)).filter((e) => e.type === 'OrderTrackingUpdated')).toHaveLength(1);
    // after a "restart" (a new handler on a new pool) the kept reply is still there
    const restarted = handlerOn(await createPostgresEventStore({ connectionString: db.url, max: 2 }));
    expect(await send(restarted, 'order.recordTracking', { ...payload, occurredAt: t }, 'pg-dup-track')).toEqual({ ...firsts[0], duplicate: true });
  });

  it('plain path on SQL: the kept outcome comes with the load (no findOutcome); a duplicate is answered without deciding again', async () => {
    let decided = 0;
    const counting = aggregates.map((a): AnyAggregate => {
      const plain = a as AnyAggregate;
      if (a.category !== 'Order') return plain;
      return { ...plain, decider: { ...plain.decider, decide: (c: unknown, s: unknown) => ((decided += 1), plain.decider.decide(c, s)) } };
    });
    let loads = 0;
    const store = decorate(storeA, {
      findOutcome: () => Promise.reject(new Error('findOutcome must not be called on the plain path')),
      loadStream: (streamId, o) => ((loads += 1), storeA.loadStream!(streamId, o)),
    });
    const h = handlerOn(storeA);
    const { orderId, at } = await customerWithOrder(h, 'pg-kept');
    // Load first, always (no kept state, no assumed new stream): the path this test is about.
    const counted = handlerOn(store, { aggregates: counting, stateCacheSize: 0, assumeNewStreams: false });
    const payload = { orderId, verifiedBy: 'order.desk', occurredAt: at() };
    const first = await send(counted, 'order.verify', payload, 'pg-kept-verify');
    expect(first).toMatchObject({ ok: true, eventTypes: ['OrderVerified'], duplicate: false });
    expect({ decided, loads }).toEqual({ decided: 1, loads: 1 });
    expect(await send(counted, 'order.verify', payload, 'pg-kept-verify')).toEqual({ ...first, duplicate: true });
    expect(await send(counted, 'order.verify', { ...payload, occurredAt: at() }, 'pg-kept-verify')).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    expect({ decided, loads }).toEqual({ decided: 1, loads: 3 });
    // The same reply as the separate lookup gives (a handler on a store without loadStream).
    const separate = handlerOn(decorate(storeA, { loadStream: undefined }));
    expect(await send(separate, 'order.verify', payload, 'pg-kept-verify')).toEqual({ ...first, duplicate: true });
  });

  it('64 concurrent acceptances on two instances against one balance cap: never above the cap, short by less than one order, no conflict_exhausted', async () => {
    const [a, b] = [handlerOn(storeA), handlerOn(storeB)];
    const at = businessClock();
    const cap = DEFAULT_ORDER_TOTAL * 25 + 777;
    await send(a, 'customer.open', openCustomer('C-pgcap', at(), { singleOrderCapFen: 1_000_000, outstandingCapFen: cap }));
    const ids = Array.from({ length: 64 }, (_, i) => `O-pgcap-${i}`);
    await Promise.all(ids.map((id) => send(a, 'order.place', placeOrder(id, 'C-pgcap', at()))));
    const t = at();
    const replies = await Promise.all(ids.map((orderId, i) => send(i % 2 ? a : b, 'order.accept', { orderId, occurredAt: t })));
    const accepted = replies.filter((r) => r.ok).length;
    expect(accepted * DEFAULT_ORDER_TOTAL).toBeLessThanOrEqual(cap);
    expect(cap - accepted * DEFAULT_ORDER_TOTAL).toBeLessThan(DEFAULT_ORDER_TOTAL);
    const codes = replies.flatMap((r) => (r.ok ? [] : [r.error.code]));
    expect(new Set(codes)).toEqual(new Set(['credit_limit_exceeded']));
    const reserved = (await storeA.readStream('CustomerAccount-C-pgcap')).filter((e) => e.type === 'CreditReserved');
    expect(reserved).toHaveLength(accepted);
  }, 60_000);

  it('the second step fails once on PostgreSQL: the retry completes with one reservation; the reconciler leaves a consistent store', async () => {
    const handler = handlerOn(failingAppends(storeA, (s, events) => s.startsWith('Order-') && events.some((e) => e.type === 'OrderAccepted')));
    const { customerId, orderId, at } = await customerWithOrder(handler, 'pg-fail');
    const payload = { orderId, occurredAt: at() };
    expect(await send(handler, 'order.accept', payload, 'pg-fail-accept')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await send(handler, 'order.accept', payload, 'pg-fail-accept')).toMatchObject({ ok: true, eventTypes: ['OrderAccepted'] });
    expect((await storeA.readStream(`CustomerAccount-${customerId}`)).filter((e) => e.type === 'CreditReserved')).toHaveLength(1);
    const report = await reconcileReservations(storeA, handlerOn(storeA), { olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(report).toMatchObject({ danglingCredit: 0, failed: [] });
    expect(report.scanned).toBeGreaterThan(0);
  });

  it('snapshots on PostgreSQL: the handler keeps deciding correctly across snapshot boundaries', async () => {
    const handler = handlerOn(storeA, { snapshotEvery: 7 });
    const at = businessClock();
    await send(handler, 'customer.open', openCustomer('C-pgsnap', at()));
    for (let i = 0; i < 15; i++) {
      expect(await send(handler, 'customer.recordFeedback', { customerId: 'C-pgsnap', feedbackId: `f-${i}`, content: 'c', category: 'praise', occurredAt: at() })).toMatchObject({ ok: true, version: i + 2 });
    }
    expect((await storeA.loadSnapshot('CustomerAccount-C-pgsnap'))?.version).toBe(14);
  });
});
