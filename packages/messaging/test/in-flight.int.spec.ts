import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendCommand, startCommandService, type Reply } from '../src/index.ts';
import { catalogue, uniquePrefix, validPayload } from './support.ts';

// A store that stalls (a lock, a failover) keeps every command in the handler: NATS has no flow
// control, so each request became one more command in flight, and a sender's retry after its
// timeout one more again, with no bound on the process's memory.
let nc: NatsConnection;
let client: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
  client = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await client?.drain();
  await nc?.drain();
});

describe('commands in flight', () => {
  it('are bounded (1024 by default): with the handler stalled, one more is refused unavailable at once, and the others complete once it resumes', async () => {
    const prefix = uniquePrefix('inflight');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const svc = await startCommandService(nc, {
      name: 'cs-test-inflight',
      version: '1.0.0',
      catalogue,
      subjectPrefix: prefix,
      queue: `q-${prefix.replace(/\./g, '-')}`,
      logger: pino({ level: 'silent' }),
      handle: async (env): Promise<Reply> => {
        await gate;
        return { ok: true, commandId: env.commandId, streamId: 'Order-O-1', version: 1, eventTypes: ['OrderPlaced'], positions: ['1'], duplicate: false };
      },
    });
    try {
      const send = (i: number) =>
        sendCommand(client, { type: 'order.place', service: 'order-desk', payload: validPayload(`O-${i}`), commandId: `c-${i}`, subjectPrefix: prefix, retries: 0, timeoutMs: 15_000 });
      const admitted = Array.from({ length: 1024 }, (_, i) => send(i));
      while (svc.inFlight() < 1024) await new Promise((r) => setTimeout(r, 10));
      const refused = await Promise.race([send(1024), new Promise<'no reply'>((r) => setTimeout(() => r('no reply'), 3000))]);
      expect(refused).toMatchObject({ ok: false, commandId: 'c-1024', error: { code: 'unavailable' } });
      expect(svc.inFlight()).toBe(1024);
      release();
      const replies = await Promise.all(admitted);
      expect(replies.every((r) => r.ok)).toBe(true);
    } finally {
      release();
      await svc.stop();
    }
  }, 60_000);
});
