import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reply, sendCommand, startCommandService, type CommandService } from '../src/index.ts';
import { catalogue, recordingHandler, uniquePrefix, validPayload } from './support.ts';

// A refusal can be larger than the request that caused it (zod lists every unrecognized key in
// its message, and the reply holds that message twice, JSON-escaped): with a payload limit of
// 512 KiB (MAX_PAYLOAD_BYTES allows up to 8 MiB) a 480 KB request made a validation reply over
// the server's 1 MiB max_payload.
const enc = new TextEncoder();
const dec = new TextDecoder();
let nc: NatsConnection;
let svc: CommandService;
const prefix = uniquePrefix('replysize');
const rec = recordingHandler();

beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
  svc = await startCommandService(nc, {
    name: 'cs-test-replysize',
    version: '1.0.0',
    catalogue,
    handle: rec.handle,
    maxPayloadBytes: 512 * 1024,
    subjectPrefix: prefix,
    queue: `q-${prefix.replace(/\./g, '-')}`,
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await svc?.stop();
  await nc?.drain();
});

describe('a refusal larger than the server max_payload', () => {
  it('is answered with a shortened coded reply (same code and command id), and the service keeps serving', async () => {
    const keys = Array.from({ length: 48_000 }, (_, i) => `"\\\\${i.toString(36)}":0`).join(',');
    const body = enc.encode(`{"commandId":"c-many-keys","type":"order.place","payload":${JSON.stringify(validPayload())},"metadata":{},${keys}}`);
    expect(body.length).toBeLessThan(512 * 1024);
    const msg = await nc.request(`${prefix}.order.place.order-desk`, body, { timeout: 5000 });
    expect(msg.data.length).toBeLessThanOrEqual(nc.info!.max_payload);
    const reply = Reply.parse(JSON.parse(dec.decode(msg.data)));
    expect(reply).toMatchObject({ ok: false, commandId: 'c-many-keys', error: { code: 'validation' } });
    expect(msg.headers?.get('Nats-Service-Error')).toBe('validation');
    expect(rec.calls).toHaveLength(0);

    const after = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload(), subjectPrefix: prefix, retries: 0 });
    expect(after).toMatchObject({ ok: true });
  });
});
