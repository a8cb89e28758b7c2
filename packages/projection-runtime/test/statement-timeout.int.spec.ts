import type { EventStore, RecordedEvent } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { migrateRuntime } from '@cs/read-model';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectionRuntime, deadLetter, defineProjection, type Logger, readStatus } from '../src/index.ts';
import { openStore } from './store.ts';
import { allTypes, appendAll, appliedTwice, countsProjection, foldCounts, readCounts, readModelDb, type TestEvent, waitFor, waitForCheckpoint } from './support.ts';

// The read model's statement_timeout is short (300 ms on every connection of the runtime's
// pool) and the projection's handler takes 4 ms per event in one statement (a set-based
// update over the batch): a batch of more than ~100 events (75 handled) always times out, a smaller one
// commits. The leader retries the same range with smaller batches instead of stepping down
// and re-reading a page of 500 (or 5 000) that can never commit.

const statementTimeoutMs = 300;
const msPerEvent = 4;

let database: TestDatabase;
/** The runtime's read model: every connection has the short statement_timeout. */
let slowDb: Kysely<any>;
/** Setup and assertions, without the timeout. */
let db: Kysely<any>;
let store: EventStore;
const appended: TestEvent[] = [];

beforeAll(async () => {
  database = await createTestDatabase('projection_statement_timeout');
  const url = new URL(database.url);
  url.searchParams.set('options', `-c statement_timeout=${statementTimeoutMs}`);
  slowDb = readModelDb(url.toString(), 'projector');
  db = readModelDb(database.url, 'test');
  await migrateRuntime(db);
  store = await openStore(database.url);
  const events: TestEvent[] = Array.from({ length: 1200 }, (_, i) => ({ type: allTypes[i % allTypes.length]!, stream: `s-${i % 7}`, amount: i }));
  await appendAll(store, events);
  appended.push(...events);
});
afterAll(async () => {
  await store?.close();
  for (const d of [slowDb, db]) await d?.destroy();
  await database?.drop();
});

const capture = () => {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }) };
  return { logger, warnings };
};

/** The counts projection with one statement per batch that takes `msFor(event)` per event it handles. */
const slowProjection = (name: string, sizes: number[], msFor: (e: RecordedEvent) => number = () => msPerEvent) => {
  const base = countsProjection(1, { name });
  return defineProjection({
    ...base,
    handle: async (events, ctx) => {
      sizes.push(events.length);
      const ms = events.reduce((sum, e) => sum + msFor(e), 0);
      await sql`SELECT pg_sleep(${ms / 1000})`.execute(ctx.trx);
      await base.handle(events, ctx);
    },
  });
};

describe('a batch that exceeds the read model statement_timeout', () => {
  it('the connections of the runtime pool have the short statement_timeout', async () => {
    const { rows } = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(slowDb);
    expect(rows[0]?.statement_timeout).toBe(`${statementTimeoutMs}ms`);
  });

  it('is retried over the same range in smaller batches: the projection catches up, each event applied once', async () => {
    const sizes: number[] = [];
    const { logger, warnings } = capture();
    const runtime = createProjectionRuntime({ db: slowDb, store, projections: [slowProjection('shrunk', sizes)], leaseMs: 1000, pollMs: 20, logger });
    try {
      await waitForCheckpoint(db, 'shrunk', 1, 40_000);
      await runtime.caughtUp();
    } finally {
      await runtime.stop();
      // On failure: what the handler was given, and why the leader stepped down.
      console.log('shrunk: batch sizes given to handle', JSON.stringify(sizes));
      console.log('shrunk: warnings', JSON.stringify(warnings.map((w) => [w.msg, w.obj.batchSize ?? w.obj.err])).slice(0, 2000));
    }
    const handled = appended.filter((e) => e.type !== 'Ignored');
    expect(await readCounts(db, 'shrunk_v1')).toEqual(foldCounts(appended));
    const { duplicates, rows } = await appliedTwice(db, 'shrunk_v1');
    expect(duplicates).toEqual([]);
    expect(rows).toBe(handled.length);
    expect(await readStatus(db, 'shrunk', 1)).toMatchObject({ state: 'running', serving: true, lastError: null, eventsHandled: handled.length });
    // It never stepped down: every timeout shrank the batch (500 events scanned, 375 handled, then 250, 125, ...).
    expect(warnings.filter((w) => w.msg === 'stepping down')).toEqual([]);
    const shrunk = warnings.filter((w) => /shrunk/.test(w.msg)).map((w) => w.obj.batchSize);
    expect(shrunk.slice(0, 3)).toEqual([250, 125, 62]);
    // ... and grew back after commits (then shrank again: the handler is always this slow).
    expect(sizes.slice(0, 4)).toEqual([375, 188, 94, 47]);
    expect(Math.max(...sizes.slice(4))).toBeGreaterThan(47);
  });

  it('after a slow moment the batches grow back to the configured size', async () => {
    const sizes: number[] = [];
    const { logger, warnings } = capture();
    // Only the first 150 events are slow (10 ms each); pages of 100, 200 while behind.
    const projection = slowProjection('recovers', sizes, (e) => ((e.data as { amount: number }).amount < 150 ? 10 : 0));
    const runtime = createProjectionRuntime({ db: slowDb, store, projections: [projection], batchSize: 100, catchUpBatchSize: 200, leaseMs: 1000, pollMs: 20, logger });
    try {
      await waitForCheckpoint(db, 'recovers', 1, 40_000);
      await runtime.caughtUp();
    } finally {
      await runtime.stop();
      console.log('recovers: batch sizes given to handle', JSON.stringify(sizes));
    }
    expect(await readCounts(db, 'recovers_v1')).toEqual(foldCounts(appended));
    expect((await appliedTwice(db, 'recovers_v1')).duplicates).toEqual([]);
    expect(warnings.filter((w) => w.msg === 'stepping down')).toEqual([]);
    expect(warnings.filter((w) => /shrunk/.test(w.msg)).map((w) => w.obj.batchSize).slice(0, 2)).toEqual([50, 25]);
    // 75 handled of 100 scanned, then about 37 of 50 and 18 of 25; past the slow events a
    // quarter more per batch, up to full pages of 200 (150 handled) that the cap no longer limits.
    expect(sizes[0]).toBe(75);
    const firstFull = sizes.indexOf(150);
    expect(firstFull).toBeGreaterThan(5);
    const growing = sizes.slice(firstFull - 5, firstFull);
    expect(growing).toEqual([...growing].sort((a, b) => a - b));
    expect(sizes.slice(firstFull + 1, -1).every((n) => n === 150)).toBe(true);
  });

  it('one event too slow even alone is a transient failure (last_error, retried), not a poison event', async () => {
    const sizes: number[] = [];
    const { logger, warnings } = capture();
    const slowOne = appended.findIndex((e, i) => i >= 40 && e.type === 'Beta');
    const projection = slowProjection('alone', sizes, (e) => msPerEvent + ((e.data as { amount: number }).amount === slowOne ? 2 * statementTimeoutMs : 0));
    const runtime = createProjectionRuntime({ db: slowDb, store, projections: [projection], batchSize: 64, leaseMs: 1000, pollMs: 20, logger });
    try {
      await waitFor(async () => ((await readStatus(db, 'alone', 1))?.lastError ?? '').includes('statement timeout'), 30_000, 'last_error');
    } finally {
      await runtime.stop();
    }
    const status = (await readStatus(db, 'alone', 1))!;
    const { events } = await store.readAll({ limit: 100_000 });
    expect(status).toMatchObject({ state: 'running', errorPosition: null });
    expect(status.lastError).toContain('canceling statement due to statement timeout');
    // Everything before the slow event is applied, once; nothing from it on.
    expect(status.checkpoint).toBe(events[slowOne - 1]!.position);
    expect(await readCounts(db, 'alone_v1')).toEqual(foldCounts(appended.slice(0, slowOne)));
    expect((await appliedTwice(db, 'alone_v1')).duplicates).toEqual([]);
    expect(warnings.some((w) => w.msg === 'stepping down')).toBe(true);
  });

  it("a handler's own error that mentions a timeout is a poison event: stopped, then dead-lettered", async () => {
    const bad = appended.findIndex((e, i) => i >= 10 && e.type === 'Gamma');
    const poison = (e: RecordedEvent) => (e.data as { amount: number }).amount === bad;
    const base = countsProjection(1, { name: 'sla' });
    const projection = defineProjection({
      ...base,
      handle: async (events, ctx) => {
        const e = events.find(poison);
        if (e) throw new Error(`SLA timeout of ticket ${e.streamId} is negative`);
        await base.handle(events, ctx);
      },
    });
    const runtime = createProjectionRuntime({ db, store, projections: [projection], leaseMs: 1000, pollMs: 20 });
    try {
      await waitFor(async () => (await readStatus(db, 'sla', 1))?.state === 'stopped', 20_000, 'stopped');
      const { events } = await store.readAll({ limit: 100_000 });
      const stopped = (await readStatus(db, 'sla', 1))!;
      expect(stopped).toMatchObject({ errorPosition: events[bad]!.position, checkpoint: events[bad - 1]!.position });
      expect(stopped.lastError).toContain('SLA timeout');
      await deadLetter(db, { name: 'sla', version: 1, position: events[bad]!.position, movedBy: 'test' });
      await waitForCheckpoint(db, 'sla', 1);
    } finally {
      await runtime.stop();
    }
    expect(await readCounts(db, 'sla_v1')).toEqual(foldCounts(appended.filter((_, i) => i !== bad)));
    expect((await appliedTwice(db, 'sla_v1')).duplicates).toEqual([]);
  });
});
