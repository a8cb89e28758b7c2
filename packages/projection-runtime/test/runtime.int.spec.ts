import type { EventStore, RecordedEvent } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProjectionRuntime,
  deadLetter,
  defineProjection,
  listStatus,
  ProjectionError,
  promote,
  readStatus,
  resume,
  retire,
} from '../src/index.ts';
import { openStore } from './store.ts';
import {
  allTypes,
  appendAll,
  appliedTwice,
  countsProjection,
  foldCounts,
  readCounts,
  readModelDb,
  type TestEvent,
  waitFor,
  waitForCheckpoint,
} from './support.ts';

let database: TestDatabase;
let db: Kysely<any>;
let store: EventStore;
const appended: TestEvent[] = [];

const append = async (events: TestEvent[]) => {
  await appendAll(store, events);
  appended.push(...events);
};

const eventArb = fc.record({
  type: fc.constantFrom(...allTypes),
  stream: fc.constantFrom('s-1', 's-2', 's-3'),
  amount: fc.integer({ min: 0, max: 1_000_000 }),
});

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return e instanceof ProjectionError ? e.code : `not a ProjectionError: ${String(e)}`;
  }
  return 'no error';
};

beforeAll(async () => {
  database = await createTestDatabase('projection_runtime');
  db = readModelDb(database.url);
  store = await openStore(database.url);
});
afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await database?.drop();
});

describe('projection runtime on PostgreSQL', () => {
  it('read model equals the direct fold of the events, whatever the batch size', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { maxLength: 25 }), fc.integer({ min: 1, max: 7 }), async (events, batchSize) => {
        run += 1;
        await append(events);
        const projection = countsProjection(1, { name: `fold_${run}` });
        const runtime = createProjectionRuntime({ db, store, projections: [projection], batchSize, pollMs: 20 });
        await runtime.caughtUp();
        await waitForCheckpoint(db, `fold_${run}`, 1);
        await runtime.stop();
        expect(await readCounts(db, `fold_${run}_v1`)).toEqual(foldCounts(appended));
        const { duplicates, rows } = await appliedTwice(db, `fold_${run}_v1`);
        expect(duplicates).toEqual([]);
        expect(rows).toBe(appended.filter((e) => e.type !== 'Ignored').length);
        const status = await readStatus(db, `fold_${run}`, 1);
        expect(status).toMatchObject({ state: 'running', serving: true, eventsBehind: 0, lastError: null });
        // Pages are read with the projection's types: the Ignored events are skipped, not handled, and passed over.
        expect(status!.eventsHandled).toBe(appended.filter((e) => e.type !== 'Ignored').length);
      }),
      { numRuns: 8 },
    );
  });

  it('a poison event stops the projection with its position and error; dead-lettering resumes after it', async () => {
    await append([
      { type: 'Alpha', stream: 'p-1', amount: 1 },
      { type: 'Beta', stream: 'p-1', amount: 666 },
      { type: 'Gamma', stream: 'p-2', amount: 3 },
    ]);
    const poison = (e: { data: unknown }) => (e.data as { amount: number }).amount === 666;
    const projection = countsProjection(1, { name: 'poison', poison });
    const runtime = createProjectionRuntime({ db, store, projections: [projection], batchSize: 50, pollMs: 20 });
    try {
      await waitFor(async () => (await readStatus(db, 'poison', 1))?.state === 'stopped', 20_000, 'stopped');
      const stopped = (await readStatus(db, 'poison', 1))!;
      const { events } = await store.readAll({ limit: 100_000 });
      const bad = events.find((e) => poison(e))!;
      const before = events.filter((e) => e.position < bad.position);
      expect(stopped.errorPosition).toBe(bad.position);
      expect(stopped.lastError).toContain(`poison event ${bad.id}`);
      expect(stopped.checkpoint).toBe(before.at(-1)!.position);
      // everything before the poison event is applied, nothing after
      const expectedBefore = foldCounts(appended.slice(0, before.length));
      expect(await readCounts(db, 'poison_v1')).toEqual(expectedBefore);

      expect(await codeOf(deadLetter(db, { name: 'poison', version: 1, position: '0', movedBy: 'op' }))).toBe('position_mismatch');
      expect(await codeOf(deadLetter(db, { name: 'nope', version: 1, position: bad.position, movedBy: 'op' }))).toBe('not_found');
      await deadLetter(db, { name: 'poison', version: 1, position: bad.position, movedBy: 'alice', reason: 'test' });
      expect(await codeOf(deadLetter(db, { name: 'poison', version: 1, position: bad.position, movedBy: 'op' }))).toBe('not_stopped');

      const dl = await db.selectFrom('projection_runtime.projection_dead_letters').selectAll().where('name', '=', 'poison').execute();
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({ position: bad.position, event_id: bad.id, event_type: 'Beta', moved_by: 'alice', reason: 'test' });
      expect(dl[0]!.error).toContain('poison event');

      await waitFor(async () => (await readStatus(db, 'poison', 1))?.checkpoint === events.at(-1)!.position, 20_000, 'resumed');
      const withoutBad = appended.filter((_, i) => events[i]!.position !== bad.position);
      expect(await readCounts(db, 'poison_v1')).toEqual(foldCounts(withoutBad));
      expect((await appliedTwice(db, 'poison_v1')).duplicates).toEqual([]);
      expect(await readStatus(db, 'poison', 1)).toMatchObject({ state: 'running', lastError: null, errorPosition: null });
      expect(await codeOf(resume(db, { name: 'poison', version: 1 }))).toBe('not_stopped');
    } finally {
      await runtime.stop();
    }
  });

  it('rebuilds v2 while v1 serves, switches the views atomically, and v2 equals v1', async () => {
    await append([
      { type: 'Alpha', stream: 'r-1', amount: 10 },
      { type: 'Gamma', stream: 'r-1', amount: 20 },
    ]);
    const v1 = countsProjection(1, { name: 'rebuilt' });
    const first = createProjectionRuntime({ db, store, projections: [v1], batchSize: 5, pollMs: 20 });
    await first.caughtUp();
    await waitForCheckpoint(db, 'rebuilt', 1);
    const viewSchema = async () =>
      (await sql<{ d: string }>`SELECT definition AS d FROM pg_views WHERE schemaname = 'analytics' AND viewname = 'counts_by_type'`.execute(db)).rows[0]?.d ?? '';
    // The stand-in views of each test projection share names: these views are the 'rebuilt' ones now.
    expect(await viewSchema()).toContain('rebuilt_v1');
    const total = appended.filter((e) => e.type !== 'Ignored').length;

    // v2 builds in its own schema, not promoted automatically; v1 keeps serving.
    const v2 = countsProjection(2, { name: 'rebuilt' });
    const second = createProjectionRuntime({ db, store, projections: [v2], batchSize: 3, pollMs: 20, autoPromote: false });
    await second.caughtUp();
    await waitForCheckpoint(db, 'rebuilt', 2);
    expect(await readStatus(db, 'rebuilt', 2)).toMatchObject({ state: 'rebuilding', serving: false });
    expect(await viewSchema()).toContain('rebuilt_v1');
    expect(await readCounts(db, 'rebuilt_v2')).toEqual(await readCounts(db, 'rebuilt_v1'));

    // Analysts keep reading during the switch: never an error, never a partial figure.
    let reading = true;
    const seen: number[] = [];
    const reader = (async () => {
      while (reading) {
        const { rows } = await sql<{ n: number }>`SELECT n FROM analytics.counts_total`.execute(db);
        seen.push(rows[0]!.n);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await promote(db, v2);
    await new Promise((r) => setTimeout(r, 50));
    reading = false;
    await reader;
    expect(seen.length).toBeGreaterThan(2);
    expect(new Set(seen)).toEqual(new Set([total]));
    expect(await viewSchema()).toContain('rebuilt_v2');
    const statuses = await listStatus(db, 'rebuilt');
    expect(statuses.map((s) => [s.version, s.serving, s.state])).toEqual([
      [1, false, 'running'],
      [2, true, 'running'],
    ]);
    await first.stop();
    await second.stop();
    expect(await codeOf(retire(db, { name: 'rebuilt', version: 2 }))).toBe('serving');
    await retire(db, { name: 'rebuilt', version: 1 });
    expect(await listStatus(db, 'rebuilt')).toHaveLength(1);
    const schemas = await sql<{ n: string }>`SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'rebuilt_v%'`.execute(db);
    expect(schemas.rows.map((r) => r.n)).toEqual(['rebuilt_v2']);
  });

  it('a batch that runs longer than the lease keeps it: the leader does not step down', async () => {
    await append([
      { type: 'Alpha', stream: 'l-1', amount: 1 },
      { type: 'Gamma', stream: 'l-2', amount: 2 },
    ]);
    const base = countsProjection(1, { name: 'long_batch' });
    let slow = true;
    const projection = defineProjection({
      ...base,
      handle: async (events, ctx) => {
        // The first batch holds its transaction (and the lease row) for twice the lease.
        if (slow) await new Promise((r) => setTimeout(r, 3000));
        slow = false;
        await base.handle(events, ctx);
      },
    });
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (o: Record<string, unknown>, msg: string) => void warnings.push(`${msg}: ${String(o.err ?? "")}`) };
    const started = Date.now();
    const runtime = createProjectionRuntime({ db, store, projections: [projection], batchSize: 100_000, pollMs: 20, leaseMs: 1500, standbyPollMs: 50, logger });
    try {
      await runtime.caughtUp();
      // Stepping down would have cost another lease period (1,500 ms) before leading again.
      // (A lease of 1.5 s, renewed every 0.5 s: a loaded machine delaying one renewal by a few
      // hundred ms, as two test workers beside a SIGKILL test did, must not expire it.)
      const took = Date.now() - started;
      await new Promise((r) => setTimeout(r, 1700));
      expect({ warnings, took: took < 3000 + 1500 }).toEqual({ warnings: [], took: true });
      const lease = await sql<{ epoch: number; valid: boolean }>`SELECT epoch::int AS epoch, expires_at > now() AS valid FROM projection_runtime.projection_leases
        WHERE name = 'long_batch' AND version = 1`.execute(db);
      expect(lease.rows).toEqual([{ epoch: 1, valid: true }]);
      expect(await readCounts(db, 'long_batch_v1')).toEqual(foldCounts(appended));
    } finally {
      await runtime.stop();
    }
  });

  it('a projection with readsMetadata: false and readsChain: false gets every event whole but its metadata, cut to recordedAt, and its hashes, empty', async () => {
    await append([{ type: 'Alpha', stream: 's-lean', amount: 5 }, { type: 'Ignored', stream: 's-lean', amount: 2 }]);
    const seen: RecordedEvent[] = [];
    const lean = defineProjection({ name: 'lean', version: 1, eventTypes: allTypes, readsMetadata: false, readsChain: false, migrations: { '202612020900_none': { up: async () => undefined } }, handle: async (events) => void seen.push(...events) });
    const runtime = createProjectionRuntime({ db, store, projections: [lean], batchSize: 7, pollMs: 20 });
    await runtime.caughtUp();
    await runtime.stop();
    const { events: all } = await store.readAll({ limit: 100_000 });
    const full = all.filter((e) => (allTypes as readonly string[]).includes(e.type));
    expect(seen.map((e) => e.id)).toEqual(full.map((e) => e.id));
    expect(seen.length).toBeGreaterThan(2);
    for (const [i, e] of seen.entries()) {
      const { metadata, hash, prevHash, ...rest } = e;
      const { metadata: whole, hash: _h, prevHash: _p, ...wholeRest } = full[i]!;
      expect(rest).toEqual(wholeRest);
      expect(metadata).toEqual({ recordedAt: whole.recordedAt });
      expect([hash, prevHash]).toEqual(['', '']);
    }
  });

  it('the page that ends a replay is applied replaying and settled at once; a later leader applies new events live', async () => {
    // Pages of 5: the store's events up to a total of 5k + 3, so the replay ends on a page of 3.
    const { events: before } = await store.readAll({ limit: 100_000 });
    const pad = ((3 - (before.length % 5)) + 5) % 5 + 10;
    await append(Array.from({ length: pad }, (_, i) => ({ type: 'Alpha' as const, stream: 's-replay', amount: i })));
    const total = before.length + pad;
    expect(total % 5).toBe(3);
    const journal: string[] = [];
    const replayed = defineProjection({
      name: 'replay_end',
      version: 1,
      eventTypes: allTypes,
      migrations: { '202612021300_none': { up: async () => undefined } },
      handle: async (events, { replaying }) => void journal.push(`handle ${events.length}${replaying ? ' replaying' : ''}`),
      settle: async () => void journal.push('settle'),
    });
    const options = { db, store, projections: [replayed], batchSize: 5, catchUpBatchSize: 5, pollMs: 20, autoPromote: false };
    const first = createProjectionRuntime(options);
    await first.caughtUp();
    await first.stop();
    const full = Math.floor(total / 5);
    expect(journal).toEqual([...Array.from({ length: full }, () => 'handle 5 replaying'), 'handle 3 replaying', 'settle']);
    // Not serving, caught up: a new leader applies what arrives live (nothing deferred to settle).
    journal.length = 0;
    await append([{ type: 'Beta', stream: 's-replay', amount: 1 }, { type: 'Gamma', stream: 's-replay', amount: 2 }]);
    const second = createProjectionRuntime(options);
    await second.caughtUp();
    await second.stop();
    expect(journal).toEqual(['settle', 'handle 2']);
  });

  it('promote refuses a version that never ran or is stopped', async () => {
    expect(await codeOf(promote(db, countsProjection(9, { name: 'never' })))).toBe('not_found');
  });
});
