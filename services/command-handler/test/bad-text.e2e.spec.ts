import { createTestDatabase, testEnv, type TestDatabase } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessClock, eventCount, openCustomer, startInstance, uniquePrefix } from './support.ts';

// Text PostgreSQL cannot keep (U+0000, a lone surrogate), sent as raw JSON escapes over NATS.
let db: TestDatabase;
let nc: NatsConnection;
let client: NatsConnection;
let instance: Awaited<ReturnType<typeof startInstance>>;
const prefix = uniquePrefix('badtext');

beforeAll(async () => {
  db = await createTestDatabase('command_handler_bad_text');
  nc = await connect({ servers: testEnv.natsUrl });
  client = await connect({ servers: testEnv.natsUrl });
  instance = await startInstance(nc, db.url, { subjectPrefix: prefix });
}, 30_000);
afterAll(async () => {
  await instance?.close();
  await Promise.all([nc, client].map((c) => c?.close()));
  await db?.drop();
});

describe('unstorable text over NATS', () => {
  it.each([['\\u0000'], ['\\ud800'], ['\\udfff']])('a name holding %s gets a validation reply naming the field, and nothing is stored', async (escape) => {
    const at = businessClock();
    const envelope = JSON.stringify({ commandId: `bad-${escape.slice(2)}`, type: 'customer.open', payload: { ...openCustomer(`C-${escape.slice(2)}`, at()), name: 'NAME' }, metadata: {} }).replace('NAME', `Wang${escape}Fang`);
    for (let i = 0; i < 2; i++) {
      const msg = await client.request(`${prefix}.customer.open.order-desk`, new TextEncoder().encode(envelope), { timeout: 10_000 });
      expect(JSON.parse(new TextDecoder().decode(msg.data))).toMatchObject({ ok: false, commandId: `bad-${escape.slice(2)}`, error: { code: 'validation', fields: [{ path: 'name' }] } });
    }
    expect(await eventCount(db.url)).toBe(0);
  });
});
