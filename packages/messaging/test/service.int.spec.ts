import { testEnv } from '@cs/testing';
import { DomainError } from '@cs/domain';
import fc from 'fast-check';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reply, replyErrorCodes, sendCommand, startCommandService, natsCommandBus, type CommandService } from '../src/index.ts';
import { capturingLogger, catalogue, recordingHandler, uniquePrefix, validPayload } from './support.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const silent = pino({ level: 'silent' });

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await nc.drain();
});

/** A raw request: body bytes to a subject, the reply parsed with the reply schema. */
const raw = async (subject: string, body: Uint8Array | string) => {
  const msg = await nc.request(subject, typeof body === 'string' ? enc.encode(body) : body, { timeout: 3000 });
  return { reply: Reply.parse(JSON.parse(dec.decode(msg.data))), headers: msg.headers };
};
const envelope = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ commandId: `c-${Math.random().toString(36).slice(2)}`, type: 'order.place', payload: validPayload(), metadata: {}, ...over });

const started = async (label: string, extra: { handle?: ReturnType<typeof recordingHandler>['handle']; queue?: string; name?: string } = {}) => {
  const prefix = uniquePrefix(label);
  const rec = recordingHandler();
  const svc = await startCommandService(nc, {
    name: extra.name ?? `cs-test-${label}`,
    version: '1.0.0',
    catalogue,
    handle: extra.handle ?? rec.handle,
    maxPayloadBytes: 4096,
    maxDepth: 16,
    subjectPrefix: prefix,
    queue: extra.queue ?? `q-${prefix.replace(/\./g, "-")}`,
    logger: silent,
  });
  return { prefix, rec, svc };
};

describe('command service: bad input never reaches handle', () => {
  let ctx: Awaited<ReturnType<typeof started>>;
  beforeAll(async () => {
    ctx = await started('bad');
  });
  afterAll(async () => {
    await ctx.svc.stop();
  });
  const place = () => `${ctx.prefix}.order.place.order-desk`;
  const deep = (n: number) => JSON.stringify({ commandId: 'c-deep', type: 'order.place', payload: { ...validPayload(), x: JSON.parse('['.repeat(n) + ']'.repeat(n)) }, metadata: {} });

  const cases: [string, () => string, () => Uint8Array | string, string, string?][] = [
    ['malformed JSON', place, () => '{"commandId": "c-1", ', 'validation'],
    ['empty body', place, () => '', 'validation'],
    ['invalid UTF-8', place, () => new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'validation'],
    ['JSON array instead of an envelope', place, () => '[1,2,3]', 'validation', '(root)'],
    ['JSON number', place, () => '42', 'validation'],
    ['missing commandId', place, () => JSON.stringify({ type: 'order.place', payload: validPayload(), metadata: {} }), 'validation', 'commandId'],
    ['commandId of 129 chars', place, () => envelope({ commandId: 'x'.repeat(129) }), 'validation', 'commandId'],
    ['wrong type inside the payload', place, () => envelope({ payload: { ...validPayload(), lines: [{ sku: 'S', quantity: '2' }] } }), 'validation', 'payload.lines.0.quantity'],
    ['float quantity', place, () => envelope({ payload: { ...validPayload(), lines: [{ sku: 'S', quantity: 1.5 }] } }), 'validation', 'payload.lines.0.quantity'],
    ['missing occurredAt', place, () => envelope({ payload: { orderId: 'O-1', lines: [{ sku: 'S', quantity: 1 }] } }), 'validation', 'payload.occurredAt'],
    ['envelope type differs from the subject', place, () => envelope({ type: 'order.prepare' }), 'validation', 'type'],
    ['unknown envelope key', place, () => envelope({ extra: 1 }), 'validation'],
    ['oversized payload', place, () => envelope({ payload: { ...validPayload(), note: 'x'.repeat(5000) } }), 'payload_too_large'],
    ['__proto__ at the top', place, () => '{"__proto__": {"polluted": true}, "commandId": "c-p1", "type": "order.place", "payload": {}, "metadata": {}}', 'validation', '__proto__'],
    ['constructor deep in the payload', place, () => envelope({ payload: { ...validPayload(), lines: [{ sku: 'S', quantity: 1, constructor: { prototype: {} } }] } }), 'validation', 'payload.lines.0.constructor'],
    ['prototype in metadata', place, () => '{"commandId": "c-p3", "type": "order.place", "payload": {}, "metadata": {"prototype": 1}}', 'validation', 'metadata.prototype'],
    ['deep nesting', place, () => deep(200), 'validation'],
    ['unknown command type', () => `${ctx.prefix}.order.teleport.order-desk`, () => envelope({ type: 'order.teleport' }), 'unknown_command'],
    ['unknown aggregate', () => `${ctx.prefix}.spaceship.launch.order-desk`, () => envelope(), 'unknown_command'],
    ['subject without a service token', () => `${ctx.prefix}.order.place`, () => envelope(), 'unknown_command'],
    ['invalid service token', () => `${ctx.prefix}.order.place.Order_Desk`, () => envelope(), 'unauthorized'],
  ];

  it.each(cases)('%s -> coded error, handle not called', async (_name, subject, body, code, fieldPath) => {
    const before = ctx.rec.calls.length;
    const { reply, headers } = await raw(subject(), body());
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe(code);
    expect(reply.error.message.length).toBeGreaterThan(0);
    if (fieldPath) expect(reply.error.fields?.map((f) => f.path)).toContain(fieldPath);
    if (code !== 'unknown_command') expect(headers?.get('Nats-Service-Error')).toBe(code);
    expect(ctx.rec.calls.length).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a valid command after all that still succeeds, with the acting service from the subject', async () => {
    const { reply } = await raw(place(), envelope({ commandId: 'c-valid', metadata: { person: 'li.wei', correlationId: 'corr-1' } }));
    expect(reply).toMatchObject({ ok: true, commandId: 'c-valid', streamId: 'Order-O-1', duplicate: false });
    const last = ctx.rec.calls.at(-1);
    expect(last?.context.service).toBe('order-desk');
    expect(last?.envelope.metadata).toEqual({ person: 'li.wei', correlationId: 'corr-1' });
  });

  it('fuzzed envelopes interleaved with valid ones: valid ones succeed, the rest get a known code, handle runs only for valid', async () => {
    const validEnvelope = fc.record({ id: fc.uuid(), orderId: fc.string({ minLength: 1, maxLength: 20 }) }).map(({ id, orderId }) => ({
      valid: true,
      body: JSON.stringify({ commandId: id, type: 'order.place', payload: validPayload(orderId), metadata: {} }),
    }));
    const junkJson = fc.jsonValue({ maxDepth: 4 }).map((v) => ({ valid: false, body: JSON.stringify(v) ?? 'null' }));
    const junkText = fc.string({ maxLength: 200 }).map((s) => ({ valid: false, body: s }));
    const broken = fc
      .record({
        commandId: fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 129, maxLength: 140 })),
        payload: fc.oneof(fc.constant(null), fc.array(fc.integer()), fc.record({ orderId: fc.integer() })),
        key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'ok'),
      })
      .map(({ commandId, payload, key }) => ({
        valid: false,
        body: `{"commandId": ${JSON.stringify(commandId)}, "type": "order.place", "payload": ${JSON.stringify(payload)}, "${key}": {}}`,
      }));
    let validSent = 0;
    const callsBefore = ctx.rec.calls.length;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(validEnvelope, junkJson, junkText, broken), { minLength: 1, maxLength: 8 }), async (batch) => {
        for (const item of batch) {
          const { reply } = await raw(place(), item.body);
          if (item.valid) {
            validSent++;
            expect(reply.ok).toBe(true);
          } else {
            expect(reply.ok).toBe(false);
            if (!reply.ok) expect(replyErrorCodes).toContain(reply.error.code);
          }
        }
      }),
      { numRuns: 25 },
    );
    expect(validSent).toBeGreaterThan(0);
    expect(ctx.rec.calls.length - callsBefore).toBe(validSent);
  });
});

describe('command service: handler failures', () => {
  it('an exception becomes internal with a safe message; a DomainError keeps its code; a malformed reply becomes internal', async () => {
    let mode: 'throw' | 'domain' | 'malformed' = 'throw';
    const { logger, lines } = capturingLogger();
    const prefix = uniquePrefix('fail');
    const svc = await startCommandService(nc, {
      name: 'cs-test-fail',
      version: '1.0.0',
      catalogue,
      subjectPrefix: prefix,
      queue: `q-${prefix.replace(/\./g, "-")}`,
      logger,
      handle: async (env) => {
        if (mode === 'throw') throw new Error('connection string postgres://secret@db leaked');
        if (mode === 'domain') throw new DomainError('credit_limit_exceeded', 'outstanding 12000 + 5000 > cap 15000');
        return { ok: true, commandId: env.commandId } as unknown as Reply;
      },
    });
    try {
      const subject = `${prefix}.order.place.order-desk`;
      const r1 = (await raw(subject, envelope({ commandId: 'c-throw' }))).reply;
      expect(r1).toMatchObject({ ok: false, commandId: 'c-throw', error: { code: 'internal' } });
      if (!r1.ok) expect(r1.error.message).not.toContain('secret');
      expect(lines.some((l) => l.commandId === 'c-throw' && l.level === 50)).toBe(true);
      mode = 'domain';
      const r2 = (await raw(subject, envelope({ commandId: 'c-domain' }))).reply;
      expect(r2).toMatchObject({ ok: false, commandId: 'c-domain', error: { code: 'credit_limit_exceeded' } });
      mode = 'malformed';
      const r3 = (await raw(subject, envelope({ commandId: 'c-bad-reply' }))).reply;
      expect(r3).toMatchObject({ ok: false, commandId: 'c-bad-reply', error: { code: 'internal' } });
    } finally {
      await svc.stop();
    }
  });
});

describe('command service: $SRV discovery and stats', () => {
  it('PING, INFO and STATS show the endpoints, request counts and error counts', async () => {
    const name = `cs-test-srv-${Math.random().toString(36).slice(2, 8)}`;
    const { prefix, svc } = await started('srv', { name });
    try {
      const ping = JSON.parse(dec.decode((await nc.request(`$SRV.PING.${name}`, undefined, { timeout: 2000 })).data));
      expect(ping).toMatchObject({ type: 'io.nats.micro.v1.ping_response', name, version: '1.0.0', id: svc.service.info().id });

      const info = JSON.parse(dec.decode((await nc.request(`$SRV.INFO.${name}`, undefined, { timeout: 2000 })).data));
      expect(info.endpoints).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'order-place', subject: `${prefix}.order.place.*`, queue_group: `q-${prefix.replace(/\./g, "-")}`, metadata: { type: 'order.place', description: 'Place an order' } }),
          expect.objectContaining({ name: 'order-prepare', subject: `${prefix}.order.prepare.*` }),
        ]),
      );

      const subject = `${prefix}.order.place.dispatch`;
      for (let i = 0; i < 3; i++) await raw(subject, envelope());
      await raw(subject, 'not json');
      await raw(subject, envelope({ payload: {} }));

      const stats = JSON.parse(dec.decode((await nc.request(`$SRV.STATS.${name}`, undefined, { timeout: 2000 })).data));
      const place = stats.endpoints.find((e: { name: string }) => e.name === 'order-place');
      const prepare = stats.endpoints.find((e: { name: string }) => e.name === 'order-prepare');
      expect(place).toMatchObject({ num_requests: 5, num_errors: 2, data: { errors_by_code: { validation: 2 } } });
      expect(place.last_error).toMatch(/^validation: /);
      expect(place.processing_time).toBeGreaterThan(0);
      expect(prepare).toMatchObject({ num_requests: 0, num_errors: 0 });
    } finally {
      await svc.stop();
    }
  });
});

describe('command service: load sharing, logging, shutdown, client retries', () => {
  it('two instances in one queue group share the requests; each request is handled once', async () => {
    const prefix = uniquePrefix('queue');
    const a = recordingHandler('A');
    const b = recordingHandler('B');
    const opts = { version: '1.0.0', catalogue, subjectPrefix: prefix, queue: `q-${prefix.replace(/\./g, "-")}`, logger: silent };
    const sa = await startCommandService(nc, { ...opts, name: 'cs-test-queue', handle: a.handle });
    const nc2 = await connect({ servers: testEnv.natsUrl });
    const sb = await startCommandService(nc2, { ...opts, name: 'cs-test-queue', handle: b.handle });
    try {
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload(`O-${i}`), subjectPrefix: prefix, retries: 0 }),
        ),
      );
      expect(replies.every((r) => r.ok)).toBe(true);
      expect(a.calls.length + b.calls.length).toBe(60);
      expect(a.calls.length).toBeGreaterThan(0);
      expect(b.calls.length).toBeGreaterThan(0);
    } finally {
      await sa.stop();
      await sb.stop();
      await nc2.drain();
    }
  });

  it('logs command id, correlation id, subject, duration and outcome', async () => {
    const prefix = uniquePrefix('log');
    const { logger, lines } = capturingLogger();
    const rec = recordingHandler();
    const svc = await startCommandService(nc, { name: 'cs-test-log', version: '1.0.0', catalogue, subjectPrefix: prefix, queue: `q-${prefix.replace(/\./g, "-")}`, logger, handle: rec.handle });
    try {
      await raw(`${prefix}.order.place.order-desk`, envelope({ commandId: 'c-log', metadata: { correlationId: 'corr-9' } }));
      await raw(`${prefix}.order.place.order-desk`, envelope({ commandId: 'c-log-bad', payload: {} }));
      const ok = lines.find((l) => l.commandId === 'c-log');
      expect(ok).toMatchObject({ correlationId: 'corr-9', subject: `${prefix}.order.place.order-desk`, service: 'order-desk', outcome: 'ok' });
      expect(typeof ok?.durationMs).toBe('number');
      expect(lines.find((l) => l.commandId === 'c-log-bad')).toMatchObject({ outcome: 'validation' });
    } finally {
      await svc.stop();
    }
  });

  it('stop() waits for the command in flight, then takes no more requests', async () => {
    const prefix = uniquePrefix('stop');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = false;
    const svc = await startCommandService(nc, {
      name: 'cs-test-stop',
      version: '1.0.0',
      catalogue,
      subjectPrefix: prefix,
      queue: `q-${prefix.replace(/\./g, "-")}`,
      logger: silent,
      handle: async (env) => {
        await gate;
        finished = true;
        return { ok: true, commandId: env.commandId, streamId: 'Order-O-1', version: 1, eventTypes: ['OrderPlaced'], positions: ['1'], duplicate: false };
      },
    });
    const pending = sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload(), subjectPrefix: prefix, retries: 0, timeoutMs: 5000 });
    while (svc.inFlight() === 0) await new Promise((r) => setTimeout(r, 5));
    const stopping = svc.stop();
    setTimeout(release, 100);
    await stopping;
    expect(finished).toBe(true);
    expect((await pending).ok).toBe(true);
    const after = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload(), subjectPrefix: prefix, retries: 0, timeoutMs: 500 });
    expect(after).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('sendCommand retries "no responders" with the same command id until a handler appears', async () => {
    const prefix = uniquePrefix('retry');
    const rec = recordingHandler();
    const pending = sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload(), commandId: 'c-retry-1', subjectPrefix: prefix, retries: 6, backoffMs: 50 });
    await new Promise((r) => setTimeout(r, 200));
    const svc = await startCommandService(nc, { name: 'cs-test-retry', version: '1.0.0', catalogue, subjectPrefix: prefix, queue: `q-${prefix.replace(/\./g, "-")}`, logger: silent, handle: rec.handle });
    try {
      expect(await pending).toMatchObject({ ok: true, commandId: 'c-retry-1' });
      expect(rec.calls.map((c) => c.envelope.commandId)).toEqual(['c-retry-1']);
      // the bus sends the envelope's own id; a repeat is answered as a duplicate
      const bus = natsCommandBus(nc, { subjectPrefix: prefix });
      const again = await bus.send({ commandId: 'c-retry-1', type: 'order.place', payload: validPayload(), metadata: {} }, { service: 'order-desk' });
      expect(again).toMatchObject({ ok: true, commandId: 'c-retry-1', duplicate: true });
    } finally {
      await svc.stop();
    }
  });

  it('sendCommand refuses bad options locally with validation and gives up with unavailable', async () => {
    const prefix = uniquePrefix('none');
    expect(await sendCommand(nc, { type: 'Order Place', service: 'order-desk', payload: {}, subjectPrefix: prefix })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await sendCommand(nc, { type: 'order.place', service: 'Order Desk', payload: {}, subjectPrefix: prefix })).toMatchObject({ ok: false, error: { code: 'validation' } });
    const r = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload(), subjectPrefix: prefix, retries: 2, backoffMs: 10, timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    if (!r.ok) expect(r.error.message).toMatch(/3 attempts/);
  });
});
