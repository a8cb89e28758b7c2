import { memoryAnchors } from '@cs/audit';
import { aggregates } from '@cs/domain';
import { createTestDatabase, testEnv, type TestDatabase } from '@cs/testing';
import fc from 'fast-check';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessClock, eventCount, fullLifecycle, openCustomer, placeOrder, sender, startInstance, uniquePrefix } from './support.ts';

// The real service end to end: NATS request/reply on the shared server (own subject prefix),
// the real handler and processes, a PostgreSQL database of its own, two instances in the queue group.
const HMAC_KEY = 'k'.repeat(40);
const ORDER_TOTAL = 10 * 1250 + 4 * 9900;

let db: TestDatabase;
let ncA: NatsConnection;
let ncB: NatsConnection;
let client: NatsConnection;
let a: Awaited<ReturnType<typeof startInstance>>;
let b: Awaited<ReturnType<typeof startInstance>>;
const anchors = memoryAnchors();
const prefix = uniquePrefix('wp');

beforeAll(async () => {
  db = await createTestDatabase('command_handler_e2e');
  ncA = await connect({ servers: testEnv.natsUrl });
  ncB = await connect({ servers: testEnv.natsUrl });
  client = await connect({ servers: testEnv.natsUrl });
  a = await startInstance(ncA, db.url, { subjectPrefix: prefix, anchoring: { sink: anchors, key: HMAC_KEY } });
  b = await startInstance(ncB, db.url, { subjectPrefix: prefix, anchoring: { sink: anchors, key: HMAC_KEY } });
}, 30_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await Promise.all([ncA, ncB, client].map((nc) => nc?.close()));
  await db?.drop();
});

describe('write path end to end over NATS and PostgreSQL', () => {
  it('every command type: a realistic lifecycle per aggregate; stream heads are anchored', async () => {
    const send = sender(client, prefix);
    const steps = fullLifecycle('e2e');
    const covered = new Set(steps.map((st) => st.type));
    expect(aggregates.flatMap((x) => Object.keys(x.commands)).filter((t) => !covered.has(t))).toEqual([]);
    for (const [i, step] of steps.entries()) {
      const reply = await send(step.type, step.payload, `e2e-life-${i}`);
      expect(reply, `${i}: ${step.type}`).toMatchObject({ ok: true, commandId: `e2e-life-${i}`, eventTypes: step.events, duplicate: false });
      if (reply.ok) expect(reply.positions).toHaveLength(step.events.length);
    }
    await Promise.all([a.anchored(), b.anchored()]);
    const heads = await anchors.heads('Order-O-e2e-1');
    expect(heads.at(-1)).toMatchObject({ streamId: 'Order-O-e2e-1', version: (await a.store.streamHead('Order-O-e2e-1')).version });
  });

  it('duplicates: sequential and concurrent sends of one command id have one effect and one reply', async () => {
    const send = sender(client, prefix);
    const at = businessClock();
    await send('customer.open', openCustomer('C-dup', at()));
    const payload = placeOrder('O-dup', 'C-dup', at());
    const first = await send('order.place', payload, 'dup-place');
    const second = await send('order.place', payload, 'dup-place');
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(second).toEqual({ ...first, duplicate: true });
    const verify = { orderId: 'O-dup', verifiedBy: 'x', occurredAt: at() };
    const replies = await Promise.all(Array.from({ length: 12 }, () => send('order.verify', verify, 'dup-verify')));
    const firsts = replies.filter((r) => r.ok && !r.duplicate);
    expect(firsts).toHaveLength(1);
    for (const r of replies) expect({ ...r, duplicate: false }).toEqual(firsts[0]);
    expect((await a.store.readStream('Order-O-dup')).map((e) => e.type)).toEqual(['OrderPlaced', 'OrderVerified']);
    // a rejection is kept and repeated as well; another payload under the same id is refused
    const late = { orderId: 'O-dup', verifiedBy: 'x', occurredAt: at() };
    const rej = await send('order.verify', late, 'dup-reject');
    expect(rej).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    expect(await send('order.verify', late, 'dup-reject')).toEqual({ ...rej, duplicate: true });
    expect(await send('order.verify', { ...late, verifiedBy: 'y' }, 'dup-reject')).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
  });

  it('64 concurrent orders against one balance cap over two instances: never above the cap, short by less than one order, the rest credit rejections, none conflict_exhausted', async () => {
    const send = sender(client, prefix);
    const at = businessClock();
    const cap = ORDER_TOTAL * 30 + 999;
    expect(await send('customer.open', openCustomer('C-cap', at(), { singleOrderCapFen: 1_000_000, outstandingCapFen: cap }))).toMatchObject({ ok: true });
    const ids = Array.from({ length: 64 }, (_, i) => `O-cap-${i}`);
    const placed = await Promise.all(ids.map((id) => send('order.place', placeOrder(id, 'C-cap', at()))));
    expect(placed.every((r) => r.ok)).toBe(true);
    const t = at();
    const replies = await Promise.all(ids.map((orderId) => send('order.accept', { orderId, occurredAt: t })));
    const accepted = replies.filter((r) => r.ok).length;
    expect(accepted * ORDER_TOTAL).toBeLessThanOrEqual(cap);
    expect(cap - accepted * ORDER_TOTAL).toBeLessThan(ORDER_TOTAL);
    expect(new Set(replies.flatMap((r) => (r.ok ? [] : [r.error.code])))).toEqual(new Set(['credit_limit_exceeded']));
    // both instances took part
    const stats = await Promise.all([a, b].map(async (i) => (await i.service.service.stats()).endpoints?.find((e) => e.name === 'order-accept')?.num_requests ?? 0));
    expect(stats.every((n) => n > 0)).toBe(true);
  }, 60_000);

  it('fuzzed envelopes interleaved with valid commands: every bad one gets a coded error and appends nothing, every valid one succeeds', async () => {
    const send = sender(client, prefix);
    const at = businessClock('2024-07-01T08:00:00+08:00');
    await send('customer.open', openCustomer('C-fuzz', at()));
    await send('order.place', placeOrder('O-fuzz-base', 'C-fuzz', at()));
    let n = 0;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const raw = async (type: string, body: Uint8Array | string) => {
      const msg = await client.request(`${prefix}.${type}.order-desk`, typeof body === 'string' ? encoder.encode(body) : body, { timeout: 10_000 });
      return JSON.parse(decoder.decode(msg.data)) as { ok: boolean; error?: { code: string } };
    };
    const envelope = (type: string, payload: unknown, commandId = `fz-${++n}`) => JSON.stringify({ commandId, type, payload, metadata: {} });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const bad = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ type: 'order.place', body: bytes as Uint8Array | string })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => ({ type: 'order.place', body: JSON.stringify(v) })),
      fc.string({ maxLength: 30 }).map((s) => ({ type: 'order.place', body: `{"commandId":"x","type":"order.place","payload":${s}` })),
      fc.constantFrom('order.teleport', 'x.y', 'complaint.eat').map((t) => ({ type: t, body: envelope(t, {}) })),
      fc.integer({ min: -1000, max: 0 }).map((q) => ({ type: 'order.place', body: envelope('order.place', placeOrder(`O-neg-${++n}`, 'C-fuzz', at(), [{ lineId: 'L1', quantity: q, unitPriceFen: 1 }])) })),
      fc.constant(null).map(() => ({ type: 'order.place', body: envelope('order.place', placeOrder(`O-far-${++n}`, 'C-fuzz', future)) })),
      fc.constant(null).map(() => ({ type: 'order.verify', body: envelope('order.verify', { orderId: 'O-fuzz-base', verifiedBy: 'x', occurredAt: '2020-01-01T00:00:00Z' }) })),
      fc.constant(null).map(() => ({ type: 'order.place', body: `{"commandId":"fz-p${++n}","type":"order.place","payload":{"__proto__":{"admin":true},"orderId":"O-proto"},"metadata":{}}` })),
      fc.integer({ min: 70_000, max: 200_000 }).map((size) => ({ type: 'order.place', body: envelope('order.place', { ...placeOrder(`O-big-${++n}`, 'C-fuzz', at()), padding: 'x'.repeat(size) }) })),
      fc.record({ orderId: fc.oneof(fc.string(), fc.integer()), occurredAt: fc.oneof(fc.string(), fc.constant(null)) }).map((p) => ({ type: 'order.accept', body: envelope('order.accept', p) })),
    );
    const item = fc.oneof({ arbitrary: bad.map((x) => ({ kind: 'bad' as const, ...x })), weight: 3 }, { arbitrary: fc.constant({ kind: 'good' as const }), weight: 1 });
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 6 }), async (items) => {
        const before = await eventCount(db.url);
        let expected = 0;
        for (const it of items) {
          if (it.kind === 'good') {
            const reply = await send('order.place', placeOrder(`O-good-${++n}`, 'C-fuzz', at()));
            expect(reply).toMatchObject({ ok: true, eventTypes: ['OrderPlaced'] });
            expected += 1;
          } else {
            const reply = await raw(it.type, it.body);
            expect(reply.ok).toBe(false);
            expect(reply.error?.code).toMatch(/^[a-z][a-z0-9_]*$/);
            codes.add(reply.error!.code);
          }
        }
        expect(await eventCount(db.url)).toBe(before + expected);
      }),
      { numRuns: 40, seed: 20240701 },
    );
    // the fuzz reached the different refusals
    for (const c of ['validation', 'unknown_command', 'payload_too_large', 'out_of_order_time']) expect(codes).toContain(c);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  }, 120_000);

  it('$SRV.PING and $SRV.INFO name the service and one endpoint per command type; $SRV.STATS counts requests and errors', async () => {
    const id = a.service.service.info().id;
    const dec = (m: { data: Uint8Array }) => JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
    expect(dec(await client.request(`$SRV.PING.cs-command-handler.${id}`, undefined, { timeout: 5000 }))).toMatchObject({ name: 'cs-command-handler', id });
    const info = dec(await client.request(`$SRV.INFO.cs-command-handler.${id}`, undefined, { timeout: 5000 })) as { endpoints: { name: string; subject: string; queue_group: string }[] };
    const types = aggregates.flatMap((x) => Object.keys(x.commands));
    expect(info.endpoints.map((e) => e.name).sort()).toEqual(types.map((t) => t.replace(/\./g, '-')).sort());
    expect(info.endpoints.find((e) => e.name === 'order-place')).toMatchObject({ subject: `${prefix}.order.place.*`, queue_group: 'cs-command-handler' });
    // applied and refused requests on the order-place endpoint
    const send = sender(client, prefix);
    for (let i = 0; i < 4; i++) {
      await send('customer.open', openCustomer(`C-srv-${i}`, '2024-05-01T08:00:00Z'));
      await send('order.place', placeOrder(`O-srv-${i}`, `C-srv-${i}`, '2024-05-01T09:00:00Z'));
      await send('order.place', { orderId: 'O-srv-bad' });
    }
    // the two instances share the load: sum their counts
    let requests = 0;
    let errors = 0;
    for (const instance of [a, b]) {
      const sid = instance.service.service.info().id;
      const stats = dec(await client.request(`$SRV.STATS.cs-command-handler.${sid}`, undefined, { timeout: 5000 })) as { endpoints: { name: string; num_requests: number; num_errors: number }[] };
      const place = stats.endpoints.find((e) => e.name === 'order-place');
      requests += place?.num_requests ?? 0;
      errors += place?.num_errors ?? 0;
    }
    expect(requests).toBeGreaterThanOrEqual(8);
    expect(errors).toBeGreaterThanOrEqual(4);
  });
});
