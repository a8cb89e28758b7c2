import { memoryAnchors, type AnchorSink, type SignedHead } from '@cs/audit';
import { aggregates } from '@cs/domain';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, testEnv, type TestDatabase } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWritePath } from '../src/write-path.ts';
import { businessClock, openCustomer, sender, uniquePrefix } from './support.ts';

// Anchoring (AUDIT_HMAC_KEY) publishes each new stream head to JetStream. A JetStream that is
// slow to acknowledge (a replicated stream that lost its quorum waits out the publish timeout)
// must not hold the replies, or the write path is down while the events are stored.
const HMAC_KEY = 'k'.repeat(40);
const PUBLISH_MS = 2_000;

let db: TestDatabase;
let nc: NatsConnection;
let client: NatsConnection;
let store: EventStore;
beforeAll(async () => {
  db = await createTestDatabase('anchoring_slow');
  nc = await connect({ servers: testEnv.natsUrl });
  client = await connect({ servers: testEnv.natsUrl });
  store = await createPostgresEventStore({ connectionString: db.url, max: 4 });
}, 30_000);
afterAll(async () => {
  await store?.close();
  await Promise.all([nc, client].map((c) => c?.close()));
  await db?.drop();
});

/** An anchor sink in memory whose every publish takes PUBLISH_MS, as a slow JetStream would. */
const slowSink = () => {
  const inner = memoryAnchors();
  let publishes = 0;
  const sink: AnchorSink = {
    publish: async (head: SignedHead) => {
      publishes += 1;
      await new Promise((r) => setTimeout(r, PUBLISH_MS));
      await inner.publish(head);
    },
  };
  return { sink, inner, publishes: () => publishes };
};

describe('anchoring with a slow anchor sink', () => {
  it('answers commands without waiting for the anchor; each stream head is anchored after, the last one included; stop() waits for them', async () => {
    const prefix = uniquePrefix('anchor-slow');
    const slow = slowSink();
    const wp = await startWritePath({ nc, store, aggregates, log: pino({ level: 'silent' }), subjectPrefix: prefix, anchoring: { sink: slow.sink, key: HMAC_KEY } });
    try {
      const send = sender(client, prefix);
      const at = businessClock();
      const started = Date.now();
      const first = await send('customer.open', openCustomer('C-slow', at()));
      expect(first).toMatchObject({ ok: true, version: 1 });
      // four more appends to the same stream while its first anchor is still being published
      for (const classification of ['key', 'general', 'key', 'general']) {
        const r = await send('customer.changeClassification', { customerId: 'C-slow', classification, reason: 'review', occurredAt: at() });
        expect(r).toMatchObject({ ok: true });
      }
      const answeredMs = Date.now() - started;
      expect(answeredMs).toBeLessThan(PUBLISH_MS);
      expect(await slow.inner.heads('CustomerAccount-C-slow')).toEqual([]);
      await wp.anchored();
      const heads = await slow.inner.heads('CustomerAccount-C-slow');
      const head = await store.streamHead('CustomerAccount-C-slow');
      expect(heads.at(-1)).toMatchObject({ streamId: 'CustomerAccount-C-slow', version: head.version, hash: head.hash });
      // the appends made while one anchor was out are covered by one more, not one each
      expect(slow.publishes()).toBe(2);
    } finally {
      await wp.stop();
    }
  }, 60_000);
});
