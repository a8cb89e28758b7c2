import type { EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireLease,
  applyBatch,
  createProjectionRuntime,
  ensureStatus,
  leaseHolder,
  ProjectionError,
  readStatus,
} from '../src/index.ts';
import { migrateRuntime, migrateSchema } from '@cs/read-model';
import { openStore } from './store.ts';
import { appendAll, appliedTwice, countsProjection, foldCounts, readCounts, readModelDb, type TestEvent, waitFor } from './support.ts';

let database: TestDatabase;
let store: EventStore;
let dbA: Kysely<any>;
let dbB: Kysely<any>;
let admin: Kysely<any>;
const appended: TestEvent[] = [];
const append = async (events: TestEvent[]) => {
  await appendAll(store, events);
  appended.push(...events);
};
const some = (n: number, stream: string): TestEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: (['Alpha', 'Beta', 'Gamma', 'Ignored'] as const)[i % 4]!, stream, amount: i + 1 }));

beforeAll(async () => {
  database = await createTestDatabase('projection_fencing');
  store = await openStore(database.url);
  dbA = readModelDb(database.url, 'projector-a');
  dbB = readModelDb(database.url, 'projector-b');
  admin = readModelDb(database.url, 'test-admin');
});
afterAll(async () => {
  await store?.close();
  for (const d of [dbA, dbB, admin]) await d?.destroy();
  await database?.drop();
});

describe('fencing', () => {
  it('a batch under a lost lease or from a moved checkpoint writes nothing', async () => {
    await migrateRuntime(admin);
    const projection = countsProjection(1, { name: 'stale' });
    await migrateSchema(admin, 'stale_v1', projection.migrations);
    await ensureStatus(admin, projection);
    await append(some(3, 'st-1'));
    // The PG store shows an event once no older write transaction runs anywhere on the server.
    await waitFor(async () => (await store.readAll({ limit: 1000 })).events.length === 3, 60_000, 'the events to be readable');
    const { events } = await store.readAll({ limit: 1000 });
    const a = (await acquireLease(admin, { name: 'stale', version: 1, owner: 'a', ms: 60_000 }))!;
    expect(await acquireLease(admin, { name: 'stale', version: 1, owner: 'b', ms: 60_000 })).toBeUndefined();
    // a's lease expires (as after a long pause) and b takes over with a new epoch
    await sql`UPDATE projection_runtime.projection_leases SET expires_at = now() - interval '1 second'`.execute(admin);
    const b = (await acquireLease(admin, { name: 'stale', version: 1, owner: 'b', ms: 60_000 }))!;
    expect(b.epoch).toBe(a.epoch + 1);
    const fencedCode = async (p: Promise<unknown>) => p.then(() => 'no error', (e: unknown) => (e instanceof ProjectionError ? e.code : String(e)));
    expect(await fencedCode(applyBatch(admin, { projection, lease: a, from: '', events }))).toBe('fenced');
    expect(await readCounts(admin, 'stale_v1')).toEqual({});
    // b applies; a replay of the same batch by b from the old checkpoint fails the compare-and-set
    await applyBatch(admin, { projection, lease: b, from: '', events });
    expect(await fencedCode(applyBatch(admin, { projection, lease: b, from: '', events }))).toBe('fenced');
    expect((await appliedTwice(admin, 'stale_v1')).duplicates).toEqual([]);
    expect(await readCounts(admin, 'stale_v1')).toEqual(foldCounts(appended));
  });

  it("the leader's connection is terminated mid-batch: the standby takes over, nothing is lost or applied twice", async () => {
    let armed = false;
    let reached: () => void = () => undefined;
    let release: () => void = () => undefined;
    const atGate = new Promise<void>((r) => (reached = r));
    const gate = new Promise<void>((r) => (release = r));
    const projA = countsProjection(1, {
      name: 'fenced',
      instance: 'a',
      beforeCommit: async () => {
        if (!armed) return;
        armed = false;
        reached();
        await gate;
      },
    });
    const projB = countsProjection(1, { name: 'fenced', instance: 'b' });
    await append(some(10, 'f-1'));
    const common = { store, batchSize: 4, catchUpBatchSize: 4, pollMs: 20, leaseMs: 1000, standbyPollMs: 50 };
    const a = createProjectionRuntime({ ...common, db: dbA, owner: 'a', projections: [projA] });
    await a.caughtUp();
    const b = createProjectionRuntime({ ...common, db: dbB, owner: 'b', projections: [projB] });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(a.leading()).toEqual(['fenced@1']);
      expect(b.leading()).toEqual([]);
      const before = (await readStatus(admin, 'fenced', 1))!.checkpoint;

      armed = true;
      await append(some(6, 'f-2'));
      await atGate; // a is inside its batch transaction, rows written, not committed
      const killed = await sql<{ ok: boolean }>`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'projector-a'`.execute(admin);
      expect(killed.rows.length).toBeGreaterThan(0);
      release();

      // Wait on what was appended, not on readAll's visible tail: that tail can lag behind while
      // another transaction (b's batch) is open, which would let the wait pass too early.
      const sorted = (c: Record<string, unknown>) => JSON.stringify(Object.entries(c).sort(([x], [y]) => x.localeCompare(y)));
      const caughtUpWithAppended = async () => sorted(await readCounts(admin, 'fenced_v1')) === sorted(foldCounts(appended));
      await waitFor(async () => (await leaseHolder(admin, 'fenced', 1))?.owner === 'b', 60_000, 'b to take the lease');
      await waitFor(caughtUpWithAppended, 60_000, 'b to catch up');
      expect(a.leading()).toEqual([]);

      // a writes nothing any more: more events, all applied by b
      await append(some(5, 'f-3'));
      await waitFor(caughtUpWithAppended, 60_000, 'b to apply more');
      await new Promise((r) => setTimeout(r, 300));
      const afterKill = await sql<{ applied_by: string; n: number }>`
        SELECT applied_by, count(*)::int AS n FROM fenced_v1.applied WHERE position > ${before} GROUP BY applied_by`.execute(admin);
      expect(afterKill.rows).toEqual([{ applied_by: 'b', n: expect.any(Number) }]);
      expect((await appliedTwice(admin, 'fenced_v1')).duplicates).toEqual([]);
      expect(await readCounts(admin, 'fenced_v1')).toEqual(foldCounts(appended));
    } finally {
      release();
      await a.stop();
      await b.stop();
    }
  });
});
