import { aggregates } from '@cs/domain';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, testEnv, type TestDatabase } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWritePath } from '../src/write-path.ts';
import { uniquePrefix } from './support.ts';

// The reservation reconciler's timer on a store that has become slow (a long lock, a busy
// disk): a run that takes longer than RECONCILE_EVERY_MS.
let db: TestDatabase;
let nc: NatsConnection;
let store: EventStore;
beforeAll(async () => {
  db = await createTestDatabase('reconciler_timer');
  nc = await connect({ servers: testEnv.natsUrl });
  store = await createPostgresEventStore({ connectionString: db.url, max: 4 });
}, 30_000);
afterAll(async () => {
  await store?.close();
  await nc?.close();
  await db?.drop();
});

describe('the reconciler timer', () => {
  it('starts no run while one is going, and stop() waits only for that one', async () => {
    let reads = 0;
    let readsAfterStop = 0;
    let stopped = false;
    // The real PostgreSQL store, each readAll made 150 ms slower.
    const slow: EventStore = Object.assign(Object.create(store) as EventStore, {
      readAll: async (...args: Parameters<EventStore['readAll']>) => {
        reads += 1;
        if (stopped) readsAfterStop += 1;
        await new Promise((r) => setTimeout(r, 150));
        return store.readAll(...args);
      },
    });
    const wp = await startWritePath({ nc, store: slow, aggregates, log: pino({ level: 'silent' }), subjectPrefix: uniquePrefix('reconcile-timer'), reconcile: { everyMs: 10, graceMs: 0 } });
    await new Promise((r) => setTimeout(r, 1_000));
    const started = Date.now();
    await wp.stop();
    const stopMs = Date.now() - started;
    stopped = true;
    await new Promise((r) => setTimeout(r, 300));
    // ~1 s of 150 ms runs: at most ~7, not one per 10 ms tick (~100 queued behind each other)
    expect(reads).toBeLessThanOrEqual(8);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(stopMs).toBeLessThan(1_000);
    expect(readsAfterStop).toBe(0);
  }, 60_000);
});
