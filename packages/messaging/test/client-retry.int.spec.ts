import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelayMs, sendCommand } from '../src/index.ts';
import { uniquePrefix, validPayload } from './support.ts';

let responder: NatsConnection;
let client: NatsConnection;
beforeAll(async () => {
  responder = await connect({ servers: testEnv.natsUrl });
  client = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await client?.drain();
  await responder?.drain();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('sendCommand retries', () => {
  it("retries a handler's 'unavailable' reply (busy, store down: not applied, retry with the same id) with the same command id and body, and returns the answer that follows", async () => {
    const prefix = uniquePrefix('retry');
    const bodies: string[] = [];
    const sub = responder.subscribe(`${prefix}.order.place.order-desk`, {
      callback: (_err, msg) => {
        const text = decoder.decode(msg.data);
        bodies.push(text);
        const { commandId } = JSON.parse(text) as { commandId: string };
        const reply =
          bodies.length < 3
            ? { ok: false, commandId, error: { code: 'unavailable', message: 'the command handler is busy' } }
            : { ok: true, commandId, streamId: 'Order-O-1', version: 1, eventTypes: ['OrderPlaced'], positions: ['1'], duplicate: false };
        msg.respond(encoder.encode(JSON.stringify(reply)));
      },
    });
    await responder.flush();
    try {
      const reply = await sendCommand(client, { type: 'order.place', service: 'order-desk', payload: validPayload(), commandId: 'c-busy', subjectPrefix: prefix, retries: 3, backoffMs: 5 });
      expect(reply).toMatchObject({ ok: true, commandId: 'c-busy' });
      expect(bodies).toHaveLength(3);
      expect(new Set(bodies).size).toBe(1);
    } finally {
      sub.unsubscribe();
    }
  });

  it("returns the handler's last 'unavailable' reply when the retries are spent", async () => {
    const prefix = uniquePrefix('retry-spent');
    let attempts = 0;
    const sub = responder.subscribe(`${prefix}.order.place.order-desk`, {
      callback: (_err, msg) => {
        attempts += 1;
        const { commandId } = JSON.parse(decoder.decode(msg.data)) as { commandId: string };
        msg.respond(encoder.encode(JSON.stringify({ ok: false, commandId, error: { code: 'unavailable', message: `the event store is unavailable (${attempts})` } })));
      },
    });
    await responder.flush();
    try {
      const reply = await sendCommand(client, { type: 'order.place', service: 'order-desk', payload: validPayload(), commandId: 'c-down', subjectPrefix: prefix, retries: 2, backoffMs: 5 });
      expect(reply).toEqual({ ok: false, commandId: 'c-down', error: { code: 'unavailable', message: 'the event store is unavailable (3)' } });
      expect(attempts).toBe(3);
    } finally {
      sub.unsubscribe();
    }
  });

  it('answers a payload that cannot be written as JSON (a BigInt, a circular object) with a validation reply, sending nothing', async () => {
    const prefix = uniquePrefix('retry-json');
    let attempts = 0;
    const sub = responder.subscribe(`${prefix}.>`, { callback: () => (attempts += 1) });
    await responder.flush();
    try {
      const circular: Record<string, unknown> = { orderId: 'O-1' };
      circular.self = circular;
      for (const payload of [{ ...validPayload(), amount: 10n }, circular]) {
        const reply = await sendCommand(client, { type: 'order.place', service: 'order-desk', payload, commandId: 'c-json', subjectPrefix: prefix, retries: 0, timeoutMs: 500 });
        expect(reply).toMatchObject({ ok: false, commandId: 'c-json', error: { code: 'validation' } });
      }
      await client.flush();
      expect(attempts).toBe(0);
    } finally {
      sub.unsubscribe();
    }
  });
});

describe('retryDelayMs', () => {
  it('doubles from the first back-off and never exceeds 30 s, however many attempts', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(100, a))).toEqual([100, 200, 400, 800]);
    expect(retryDelayMs(100, 30)).toBe(30_000);
    expect(retryDelayMs(100, 5_000)).toBe(30_000);
  });
});
