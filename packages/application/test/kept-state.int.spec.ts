import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessClock, openCustomer, placeOrder } from './fixtures.ts';
import { decorate, handlerOn, send } from './support.ts';

// The handler decides on the state it kept (or, for a stream it knows nothing of, on the empty
// state) without loading; the append's expected version settles whether that state was current.
// Two instances with their own pools on one database make the stale cases real.
let db: TestDatabase;
let storeA: EventStore;
let storeB: EventStore;

beforeAll(async () => {
  db = await createTestDatabase('application_kept_state');
  storeA = await createPostgresEventStore({ connectionString: db.url, max: 4 });
  storeB = await createPostgresEventStore({ connectionString: db.url, max: 4 });
});
afterAll(async () => {
  await storeA?.close();
  await storeB?.close();
  await db?.drop();
});

/** `store` counting its reads (loadStream, readStream, loadSnapshot, findOutcome). */
const countingReads = (store: EventStore) => {
  const reads = { n: 0 };
  const count =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => {
      reads.n += 1;
      return fn(...a);
    };
  return {
    reads,
    store: decorate(store, {
      loadStream: count(store.loadStream!.bind(store)),
      readStream: count(store.readStream.bind(store)),
      loadSnapshot: count(store.loadSnapshot.bind(store)),
      findOutcome: count(store.findOutcome.bind(store)),
    }),
  };
};

const update = (customerId: string, needs: string, occurredAt: string) => ({ customerId, needs, occurredAt });

describe('kept state and assumed new streams', () => {
  it('a creation and the commands after it on one handler read nothing; the stream is the same as with loads', async () => {
    const { store, reads } = countingReads(storeA);
    const h = handlerOn(store);
    const at = businessClock();
    expect(await send(h, 'customer.open', openCustomer('C-ks-1', at()))).toMatchObject({ ok: true, version: 1 });
    for (let i = 0; i < 3; i++) expect(await send(h, 'customer.updateNeeds', update('C-ks-1', `n${i}`, at()))).toMatchObject({ ok: true, version: i + 2 });
    expect(reads.n).toBe(0);
    expect((await storeA.readStream('CustomerAccount-C-ks-1')).map((e) => e.type)).toEqual(['CustomerAccountOpened', ...Array(3).fill('CustomerNeedsUpdated')]);
  });

  it('a kept state made stale by another instance: the append conflicts, the handler reloads and succeeds (one effect)', async () => {
    const [a, b] = [handlerOn(storeA), handlerOn(storeB)];
    const at = businessClock();
    await send(a, 'customer.open', openCustomer('C-ks-2', at()));
    await send(a, 'customer.updateNeeds', update('C-ks-2', 'a', at()));
    expect(await send(b, 'customer.updateNeeds', update('C-ks-2', 'b', at()))).toMatchObject({ ok: true, version: 3 });
    const reply = await send(a, 'customer.updateNeeds', update('C-ks-2', 'a again', at()), 'ks-2-stale');
    expect(reply).toMatchObject({ ok: true, version: 4, eventTypes: ['CustomerNeedsUpdated'], duplicate: false });
    expect(await storeA.readStream('CustomerAccount-C-ks-2')).toHaveLength(4);
    expect(await send(a, 'customer.updateNeeds', update('C-ks-2', 'a again', at()), 'ks-2-stale')).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
  });

  it('a rejection on a stale kept state is decided again on a fresh load (never answered from the kept state)', async () => {
    const [a, b] = [handlerOn(storeA), handlerOn(storeB)];
    const at = businessClock();
    await send(a, 'customer.open', openCustomer('C-ks-3', at()));
    await send(a, 'order.place', placeOrder('O-ks-3', 'C-ks-3', at()));
    // B takes the order further; A still keeps it as just placed, where dispatching is refused.
    expect(await send(b, 'order.accept', { orderId: 'O-ks-3', occurredAt: at() })).toMatchObject({ ok: true });
    expect(
      await send(b, 'order.prepare', { orderId: 'O-ks-3', lines: [{ lineId: 'L1', pickedQuantity: 10, stockDamaged: false }, { lineId: 'L2', pickedQuantity: 4, stockDamaged: false }], occurredAt: at() }),
    ).toMatchObject({ ok: true });
    const dispatched = await send(a, 'order.dispatch', { orderId: 'O-ks-3', carrier: 'c', transportMode: 'road', trackingNumber: 't', occurredAt: at() });
    expect(dispatched).toMatchObject({ ok: true, eventTypes: ['OrderDispatched'] });
  });

  it('the same command id again on the handler that keeps the state: the kept reply, one effect; another payload: idempotency_key_reused', async () => {
    const h = handlerOn(storeA);
    const at = businessClock();
    await send(h, 'customer.open', openCustomer('C-ks-4', at()));
    const payload = update('C-ks-4', 'x', at());
    const first = await send(h, 'customer.updateNeeds', payload, 'ks-4-dup');
    expect(first).toMatchObject({ ok: true, version: 2, duplicate: false });
    expect(await send(h, 'customer.updateNeeds', payload, 'ks-4-dup')).toEqual({ ...first, duplicate: true });
    expect(await send(h, 'customer.updateNeeds', { ...payload, needs: 'y' }, 'ks-4-dup')).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    // a creation retried on a fresh handler (assumed new stream): the kept reply too
    const opened = await send(h, 'customer.open', openCustomer('C-ks-4b', at()), 'ks-4-open');
    expect(await send(handlerOn(storeB), 'customer.open', openCustomer('C-ks-4b', '2024-05-01T08:00:00+08:00'), 'ks-4-open')).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    expect(opened.ok).toBe(true);
    expect(await storeA.readStream('CustomerAccount-C-ks-4')).toHaveLength(2);
    expect(await storeA.readStream('CustomerAccount-C-ks-4b')).toHaveLength(1);
  });

  it('a creation on a stream another instance created: the append conflicts, the reply is the loaded decision, nothing is appended', async () => {
    const at = businessClock();
    const a = handlerOn(storeA);
    await send(a, 'customer.open', openCustomer('C-ks-5', at()));
    const t = at();
    expect(await send(a, 'order.place', placeOrder('O-ks-5', 'C-ks-5', t))).toMatchObject({ ok: true });
    const loadFirst = handlerOn(storeB, { stateCacheSize: 0, assumeNewStreams: false });
    const expected = await send(loadFirst, 'order.place', placeOrder('O-ks-5', 'C-ks-5', t), 'ks-5-load-first');
    expect(expected.ok).toBe(false);
    const assumed = await send(handlerOn(storeB), 'order.place', placeOrder('O-ks-5', 'C-ks-5', t), 'ks-5-assumed');
    expect(assumed).toEqual({ ...expected, commandId: 'ks-5-assumed' });
    expect(await storeA.readStream('Order-O-ks-5')).toHaveLength(1);
  });

  it('stateCacheSize 0 and assumeNewStreams false: every command loads first', async () => {
    const { store, reads } = countingReads(storeA);
    const h = handlerOn(store, { stateCacheSize: 0, assumeNewStreams: false });
    const at = businessClock();
    await send(h, 'customer.open', openCustomer('C-ks-6', at()));
    await send(h, 'customer.updateNeeds', update('C-ks-6', 'n', at()));
    expect(reads.n).toBe(2);
  });

  it('the kept states are bounded: a stream pushed out is loaded again', async () => {
    const { store, reads } = countingReads(storeA);
    const h = handlerOn(store, { stateCacheSize: 1 });
    const at = businessClock();
    await send(h, 'customer.open', openCustomer('C-ks-7a', at()));
    await send(h, 'customer.open', openCustomer('C-ks-7b', at()));
    expect(reads.n).toBe(0);
    expect(await send(h, 'customer.updateNeeds', update('C-ks-7b', 'kept', at()))).toMatchObject({ ok: true, version: 2 });
    expect(reads.n).toBe(0);
    expect(await send(h, 'customer.updateNeeds', update('C-ks-7a', 'pushed out', at()))).toMatchObject({ ok: true, version: 2 });
    expect(reads.n).toBe(1);
  });
});
