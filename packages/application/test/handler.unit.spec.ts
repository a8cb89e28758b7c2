import { ConcurrencyError, createInMemoryEventStore, EventStoreError, type EventStore } from '@cs/event-store';
import { describe, expect, it, vi } from 'vitest';
import { inProcessCommandBus, requestFromEnvelope } from '../src/index.ts';
import { allEvents, customerWithOrder, decorate, handlerOn, send } from './support.ts';
import { businessClock, openCustomer, placeOrder } from './fixtures.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const clock = () => NOW;
const silentLog = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('validation: bad input gets a coded reply and appends nothing', () => {
  const store = createInMemoryEventStore();
  const handler = handlerOn(store, { now: clock });

  it('unknown command type -> unknown_command', async () => {
    const reply = await send(handler, 'order.teleport', { orderId: 'O-1', occurredAt: '2024-05-01T00:00:00Z' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
  });

  it('wrong types, negative quantities, missing fields -> validation with field paths', async () => {
    const bad = { ...placeOrder('O-v', 'C-v', '2024-05-01T08:00:00Z'), urgent: 'yes' } as Record<string, unknown>;
    (bad.lines as { quantity: number }[])[0]!.quantity = -3;
    delete bad.channel;
    const reply = await send(handler, 'order.place', bad);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('validation');
    expect(reply.error.fields?.map((f) => f.path).sort()).toEqual(['channel', 'lines.0.quantity', 'urgent']);
    expect(await allEvents(store)).toEqual([]);
  });

  it('a payload that is not an object, or has __proto__ keys, is refused without crashing', async () => {
    for (const payload of [null, 42, 'x', [], JSON.parse('{"__proto__":{"polluted":true},"orderId":"O-p"}') as unknown]) {
      const reply = await handler.handle({ commandId: 'c-weird', type: 'order.accept', payload, service: 'test' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await allEvents(store)).toEqual([]);
  });

  it('an empty or odd command id -> validation (in-process senders skip the NATS envelope check)', async () => {
    for (const commandId of ['', 'has space', 'x'.repeat(129)]) {
      const reply = await handler.handle({ commandId, type: 'customer.open', payload: openCustomer('C-id', '2024-05-01T08:00:00Z'), service: 'test' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'validation', fields: [{ path: 'commandId' }] } });
    }
    expect(await allEvents(store)).toEqual([]);
  });

  it('a business time more than the skew ahead of the server clock -> validation on occurredAt; within the skew and in the past -> accepted', async () => {
    const far = new Date(NOW + 5 * 60_000 + 1000).toISOString();
    const refused = await send(handler, 'customer.open', openCustomer('C-future', far));
    expect(refused).toMatchObject({ ok: false, error: { code: 'validation', fields: [{ path: 'occurredAt' }] } });
    expect(await allEvents(store)).toEqual([]);
    const near = new Date(NOW + 4 * 60_000).toISOString();
    expect(await send(handler, 'customer.open', openCustomer('C-near', near))).toMatchObject({ ok: true, eventTypes: ['CustomerAccountOpened'] });
    expect(await send(handler, 'customer.open', openCustomer('C-past', '2019-01-01T00:00:00+08:00'))).toMatchObject({ ok: true });
  });
});

describe('domain refusals and idempotency', () => {
  it('not_found, already_exists and out_of_order_time come back with their codes and append nothing', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { orderId, customerId } = await customerWithOrder(handler, 'r1');
    const before = (await allEvents(store)).length;
    expect(await send(handler, 'order.verify', { orderId: 'O-missing', verifiedBy: 'x', occurredAt: '2024-05-02T00:00:00Z' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await send(handler, 'order.place', placeOrder(orderId, customerId, '2024-05-03T00:00:00Z'))).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    // verification before the placement breaks the lifecycle order
    expect(await send(handler, 'order.verify', { orderId, verifiedBy: 'x', occurredAt: '2024-04-01T00:00:00Z' })).toMatchObject({ ok: false, error: { code: 'out_of_order_time' } });
    expect((await allEvents(store)).length).toBe(before);
  });

  it('the same command id twice: one effect, the same reply marked duplicate', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const payload = openCustomer('C-dup', '2024-05-01T08:00:00Z');
    const first = await send(handler, 'customer.open', payload, 'dup-1');
    const second = await send(handler, 'customer.open', payload, 'dup-1');
    expect(first).toMatchObject({ ok: true, duplicate: false, version: 1 });
    expect(second).toEqual({ ...first, duplicate: true });
    expect((await store.readStream('CustomerAccount-C-dup')).length).toBe(1);
  });

  it('a rejection is kept too: the retry gets the same rejection even after the state changed', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const verify = { orderId: 'O-later', verifiedBy: 'x', occurredAt: '2024-05-01T10:00:00Z' };
    const first = await send(handler, 'order.verify', verify, 'rej-1');
    expect(first).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await send(handler, 'customer.open', openCustomer('C-later', '2024-05-01T08:00:00Z'));
    await send(handler, 'order.place', placeOrder('O-later', 'C-later', '2024-05-01T09:00:00Z'));
    const again = await send(handler, 'order.verify', verify, 'rej-1');
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await store.readStream('Order-O-later')).map((e) => e.type)).toEqual(['OrderPlaced']);
  });

  it('the same id with another payload (or another person) -> idempotency_key_reused, for kept successes and kept rejections', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const payload = openCustomer('C-reuse', '2024-05-01T08:00:00Z');
    await send(handler, 'customer.open', payload, 'reuse-1');
    expect(await send(handler, 'customer.open', { ...payload, name: 'Other' }, 'reuse-1')).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    expect(await send(handler, 'customer.open', payload, 'reuse-1', { person: 'someone.else' })).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    await send(handler, 'order.verify', { orderId: 'O-none', verifiedBy: 'x', occurredAt: '2024-05-01T10:00:00Z' }, 'reuse-2');
    expect(await send(handler, 'order.verify', { orderId: 'O-none', verifiedBy: 'y', occurredAt: '2024-05-01T10:00:00Z' }, 'reuse-2')).toMatchObject({
      ok: false,
      error: { code: 'idempotency_key_reused' },
    });
    expect((await allEvents(store)).length).toBe(1);
  });

  it('concurrent duplicates of a non-idempotent command: exactly one effect, every sender gets the same reply', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    const { orderId, at } = await customerWithOrder(handler, 'cd');
    const payload = { orderId, verifiedBy: 'x', occurredAt: at() };
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(handler, 'order.verify', payload, 'same-verify')));
    const originals = replies.filter((r) => r.ok && !r.duplicate);
    expect(originals).toHaveLength(1);
    for (const r of replies) expect({ ...r, duplicate: false }).toEqual(originals[0]);
    expect((await store.readStream(`Order-${orderId}`)).map((e) => e.type)).toEqual(['OrderPlaced', 'OrderVerified']);
  });

  it('events carry the acting service, the person, the correlation id (default: the command id) and the business time', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    await send(handler, 'customer.open', openCustomer('C-meta', '2024-05-01T08:00:00+08:00'), 'meta-1', { person: 'li.na' });
    await send(handler, 'customer.updateNeeds', { customerId: 'C-meta', needs: 'more', occurredAt: '2024-05-01T09:00:00+08:00' }, 'meta-2', { correlationId: 'corr-7' });
    const [opened, updated] = await store.readStream('CustomerAccount-C-meta');
    expect(opened?.metadata).toMatchObject({ commandId: 'meta-1', correlationId: 'meta-1', actor: { service: 'test-service', person: 'li.na' }, occurredAt: '2024-05-01T08:00:00+08:00' });
    expect(updated?.metadata).toMatchObject({ commandId: 'meta-2', correlationId: 'corr-7', actor: { service: 'test-service' } });
    expect(typeof opened?.metadata.recordedAt).toBe('string');
  });
});

describe('concurrency', () => {
  it('two handler instances sharing one store: concurrent commands on one stream all succeed (conflicts reload and decide again)', async () => {
    const store = createInMemoryEventStore();
    const [a, b] = [handlerOn(store), handlerOn(store)];
    const at = businessClock();
    await send(a, 'customer.open', openCustomer('C-two', at()));
    const times = Array.from({ length: 30 }, () => at());
    const replies = await Promise.all(
      times.map((t, i) => send(i % 2 ? a : b, 'customer.recordCallback', { customerId: 'C-two', callbackId: `cb-${i}`, by: 'x', topic: 't', outcome: 'o', occurredAt: t })),
    );
    expect(replies.every((r) => r.ok)).toBe(true);
    const versions = replies.map((r) => (r.ok ? r.version : 0)).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect((await store.readStream('CustomerAccount-C-two')).length).toBe(31);
  });

  it('conflicts beyond the bound -> conflict_exhausted, nothing appended, not kept (a later retry with the same id succeeds)', async () => {
    const store = createInMemoryEventStore();
    let attempts = 0;
    const alwaysConflicting = decorate(store, {
      append: async (streamId) => {
        attempts++;
        throw new ConcurrencyError(streamId, 0, 1);
      },
    });
    const payload = openCustomer('C-conf', '2024-05-01T08:00:00Z');
    const reply = await send(handlerOn(alwaysConflicting, { maxAttempts: 4 }), 'customer.open', payload, 'conf-1');
    expect(reply).toMatchObject({ ok: false, error: { code: 'conflict_exhausted' } });
    // One append on the assumed empty stream (no load), then maxAttempts after fresh loads.
    expect(attempts).toBe(1 + 4);
    expect(await allEvents(store)).toEqual([]);
    expect(await send(handlerOn(store), 'customer.open', payload, 'conf-1')).toMatchObject({ ok: true, duplicate: false });
  });
});

describe('store trouble and hooks', () => {
  it('a store that is down -> unavailable (retriable); an unexpected error -> internal; neither is kept', async () => {
    const store = createInMemoryEventStore();
    const unavailable = async (): Promise<never> => {
      throw new EventStoreError('unavailable', 'connection refused', true);
    };
    const down = decorate(store, { findOutcome: unavailable, append: unavailable });
    const log = silentLog();
    const payload = openCustomer('C-down', '2024-05-01T08:00:00Z');
    expect(await send(handlerOn(down, { log }), 'customer.open', payload, 'down-1')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const bug = async (): Promise<never> => {
      throw new Error('bug');
    };
    const broken = decorate(store, { loadSnapshot: bug, append: bug });
    expect(await send(handlerOn(broken, { log }), 'customer.open', payload, 'down-1')).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(log.error).toHaveBeenCalled();
    expect(await send(handlerOn(store), 'customer.open', payload, 'down-1')).toMatchObject({ ok: true, duplicate: false });
  });

  it('afterAppend sees every append; a failing hook is logged and the command still succeeds', async () => {
    const store = createInMemoryEventStore();
    const seen: string[] = [];
    const log = silentLog();
    const handler = handlerOn(store, {
      log,
      afterAppend: (r) => {
        seen.push(`${r.streamId}@${r.nextVersion}`);
        if (r.nextVersion === 2) throw new Error('anchor sink down');
      },
    });
    await send(handler, 'customer.open', openCustomer('C-hook', '2024-05-01T08:00:00Z'));
    const second = await send(handler, 'customer.updateNeeds', { customerId: 'C-hook', needs: 'n', occurredAt: '2024-05-01T09:00:00Z' });
    expect(second).toMatchObject({ ok: true, version: 2 });
    expect(seen).toEqual(['CustomerAccount-C-hook@1', 'CustomerAccount-C-hook@2']);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ streamId: 'CustomerAccount-C-hook' }), 'afterAppend hook failed');
  });
});

describe('snapshots', () => {
  it('a long stream is loaded from its snapshot plus the tail only', async () => {
    const base = createInMemoryEventStore();
    const reads: { streamId: string; fromVersion: number | undefined; count: number }[] = [];
    const store: EventStore = decorate(base, {
      readStream: async (streamId, options) => {
        const events = await base.readStream(streamId, options);
        reads.push({ streamId, fromVersion: options?.fromVersion, count: events.length });
        return events;
      },
    });
    const handler = handlerOn(store, { snapshotEvery: 10 });
    const at = businessClock();
    await send(handler, 'customer.open', openCustomer('C-snap', at()));
    for (let i = 0; i < 24; i++) {
      const r = await send(handler, 'customer.recordCallback', { customerId: 'C-snap', callbackId: `cb-${i}`, by: 'x', topic: 't', outcome: 'o', occurredAt: at() });
      expect(r.ok).toBe(true);
    }
    const snapshot = await base.loadSnapshot('CustomerAccount-C-snap');
    expect(snapshot?.version).toBe(20);
    reads.length = 0;
    // the next command of a handler that keeps no state of the stream (e.g. after a restart)
    // reads the snapshot and only the five events after it
    const next = await send(handlerOn(store, { snapshotEvery: 10 }), 'customer.recordCallback', { customerId: 'C-snap', callbackId: 'cb-last', by: 'x', topic: 't', outcome: 'o', occurredAt: at() });
    expect(next).toMatchObject({ ok: true, version: 26 });
    expect(reads).toEqual([{ streamId: 'CustomerAccount-C-snap', fromVersion: 21, count: 5 }]);
  });

  it('a snapshot of another schema version is ignored (full replay)', async () => {
    const store = createInMemoryEventStore();
    const handler = handlerOn(store);
    await send(handler, 'customer.open', openCustomer('C-old', '2024-05-01T08:00:00Z'));
    await store.saveSnapshot({ streamId: 'CustomerAccount-C-old', version: 1, schemaVersion: 99, state: { garbage: true } });
    expect(await send(handler, 'customer.updateNeeds', { customerId: 'C-old', needs: 'n', occurredAt: '2024-05-01T09:00:00Z' })).toMatchObject({ ok: true, version: 2 });
  });
});

describe('inProcessCommandBus', () => {
  it('hands the envelope and the acting service to the handler; the same reply shape as over NATS', async () => {
    const store = createInMemoryEventStore();
    const bus = inProcessCommandBus(handlerOn(store));
    const reply = await bus.send(
      { commandId: 'bus-1', type: 'customer.open', payload: openCustomer('C-bus', '2024-05-01T08:00:00Z'), metadata: { person: 'li.na', correlationId: 'corr-bus' } },
      { service: 'order-desk' },
    );
    expect(reply).toMatchObject({ ok: true, commandId: 'bus-1', streamId: 'CustomerAccount-C-bus', version: 1, eventTypes: ['CustomerAccountOpened'] });
    const [e] = await store.readStream('CustomerAccount-C-bus');
    expect(e?.metadata).toMatchObject({ actor: { service: 'order-desk', person: 'li.na' }, correlationId: 'corr-bus' });
  });
});

describe('requestFromEnvelope', () => {
  it('passes the declared person, correlation and causation with the acting service, as every transport does', () => {
    const payload = { orderId: 'O-r' };
    expect(
      requestFromEnvelope({ commandId: 'c-r', type: 'order.cancel', payload, metadata: { person: 'li.na', correlationId: 'corr-r', causationId: 'cause-r' } }, 'order-desk'),
    ).toEqual({ commandId: 'c-r', type: 'order.cancel', payload, service: 'order-desk', person: 'li.na', correlationId: 'corr-r', causationId: 'cause-r' });
    const bare = requestFromEnvelope({ commandId: 'c-s', type: 'order.cancel', payload }, 'portal');
    expect(bare).toMatchObject({ commandId: 'c-s', service: 'portal' });
    expect([bare.person, bare.correlationId, bare.causationId]).toEqual([undefined, undefined, undefined]);
  });
});
