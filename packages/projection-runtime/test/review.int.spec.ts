import type { EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectionRuntime, defineProjection, ProjectionError, promote, readStatus } from '../src/index.ts';
import { openStore } from './store.ts';
import { appendAll, appliedTwice, countsProjection, readModelDb, type TestEvent, waitFor, waitForCheckpoint } from './support.ts';

// Review of the projection runtime: each case here failed on the code before its fix, but the
// one marked "(checked, fine)", which passed before and documents what was checked.

let database: TestDatabase;
let db: Kysely<any>;
let store: EventStore;

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return e instanceof ProjectionError ? e.code : `not a ProjectionError: ${String(e)}`;
  }
  return 'no error';
};

/** Appends `events` and waits until the store shows all of them (the PG store's gapless guard). */
const appendVisible = async (events: TestEvent[]): Promise<number> => {
  const before = (await store.readAll({ limit: 1_000_000 })).events.length;
  await appendAll(store, events);
  const total = before + events.length;
  await waitFor(async () => (await store.readAll({ limit: 1_000_000 })).events.length >= total, 60_000, 'the events to be readable');
  return total;
};

beforeAll(async () => {
  database = await createTestDatabase('projection_runtime_review');
  db = readModelDb(database.url);
  store = await openStore(database.url);
});
afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await database?.drop();
});

describe('projection runtime review', () => {
  it('a version still far behind never shows events_behind 0 between lag probes, so promote (without force) refuses it', async () => {
    const total = await appendVisible(Array.from({ length: 100 }, (_, i) => ({ type: 'Alpha' as const, stream: 'behind-1', amount: i })));
    // One probe (capped at 10 events), then the estimate between probes; pages of 5.
    const seen: { batch: number; remaining: number; eventsBehind: number }[] = [];
    let promotion: Promise<string> | undefined;
    let batch = 0;
    let applied = 0;
    const projection = countsProjection(1, {
      name: 'behind',
      beforeCommit: async (events) => {
        batch += 1;
        // Batches 1..5 are committed: what an operator sees now; and an operator's promote
        // (it runs once this batch has committed, far from the end too).
        if (batch === 6) {
          const status = (await readStatus(db, 'behind', 1))!;
          seen.push({ batch, remaining: total - applied, eventsBehind: status.eventsBehind });
          promotion = codeOf(promote(db, projection));
          await new Promise((r) => setTimeout(r, 100));
        }
        applied += events.length;
      },
    });
    const runtime = createProjectionRuntime({
      db,
      store,
      projections: [projection],
      batchSize: 5,
      catchUpBatchSize: 5,
      lagProbeLimit: 10,
      lagProbeMs: 600_000,
      pollMs: 20,
      autoPromote: false,
    });
    try {
      await runtime.caughtUp();
      await waitForCheckpoint(db, 'behind', 1);
    } finally {
      await runtime.stop();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.remaining).toBe(total - 25);
    expect({ behind: seen[0]!.eventsBehind > 0, promote: await promotion }).toEqual({ behind: true, promote: 'not_caught_up' });
    // Caught up: the figure is 0 and the version can be promoted.
    expect((await readStatus(db, 'behind', 1))!).toMatchObject({ eventsBehind: 0, serving: false });
    await promote(db, projection);
    expect((await readStatus(db, 'behind', 1))!.serving).toBe(true);
  });

  it('a version promoted by an operator while it replays is never handed a replaying batch once it serves', async () => {
    await appendVisible(Array.from({ length: 40 }, (_, i) => ({ type: 'Beta' as const, stream: 'served-1', amount: i })));
    const base = countsProjection(1, { name: 'served' });
    let batch = 0;
    let promoted = false;
    let promotion: Promise<string> | undefined;
    const violations: string[] = [];
    const projection = defineProjection({
      ...base,
      handle: async (events, ctx) => {
        batch += 1;
        await base.handle(events, ctx);
        if (batch === 3) {
          // An operator promotes the version (forced: it is behind) while this batch runs.
          promotion = codeOf(promote(db, projection, { force: true })).then((code) => {
            promoted = true;
            return code;
          });
          await new Promise((r) => setTimeout(r, 300));
        }
        // What commits with replaying (deferred work) after the switch-over is served deferred.
        if (promoted && ctx.replaying) violations.push(`batch ${batch} replaying after the promotion`);
      },
      // Deferred work would be completed here; the promotion runs it before the views switch.
      settle: async () => undefined,
    });
    const runtime = createProjectionRuntime({ db, store, projections: [projection], batchSize: 5, catchUpBatchSize: 5, pollMs: 20, autoPromote: false });
    try {
      await runtime.caughtUp();
      await waitForCheckpoint(db, 'served', 1);
    } finally {
      await runtime.stop();
    }
    expect(await promotion).toBe('no error');
    expect((await readStatus(db, 'served', 1))!.serving).toBe(true);
    expect(violations).toEqual([]);
  });

  it('a leader that keeps failing outside a poison event (here its settle) shows the error in its status, and a good batch clears it', async () => {
    await appendVisible([{ type: 'Gamma', stream: 'failing-1', amount: 1 }]);
    const base = countsProjection(1, { name: 'failing' });
    let broken = true;
    const projection = defineProjection({
      ...base,
      settle: async () => {
        if (broken) throw new Error('settle bug');
      },
    });
    const stepDowns: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (o: Record<string, unknown>, msg: string) => void (msg === 'stepping down' && stepDowns.push(String(o.err ?? ''))),
    };
    const runtime = createProjectionRuntime({ db, store, projections: [projection], batchSize: 5, pollMs: 20, leaseMs: 300, standbyPollMs: 20, logger });
    try {
      await waitFor(() => stepDowns.length >= 2, 20_000, 'two step-downs');
      expect(stepDowns[0]).toContain('settle bug');
      // It retries for ever (after a lease period each time): the status must say why it is stuck.
      expect((await readStatus(db, 'failing', 1))!).toMatchObject({ state: 'running', lastError: expect.stringContaining('settle bug') });
      broken = false;
      await runtime.caughtUp();
      await waitForCheckpoint(db, 'failing', 1);
      await waitFor(async () => (await readStatus(db, 'failing', 1))!.lastError === null, 20_000, 'the error to be cleared');
    } finally {
      await runtime.stop();
    }
  });

  it('(checked, fine) stop() while a batch is in flight: the batch commits whole with its checkpoint, the lease is released, a restart goes on', async () => {
    await appendVisible(Array.from({ length: 12 }, (_, i) => ({ type: i % 3 === 0 ? ('Ignored' as const) : ('Alpha' as const), stream: 'stop-1', amount: i })));
    let entered: () => void = () => undefined;
    const inFlight = new Promise<void>((r) => {
      entered = r;
    });
    let first = true;
    const slow = countsProjection(1, {
      name: 'stopping',
      beforeCommit: async () => {
        if (!first) return;
        first = false;
        entered();
        await new Promise((r) => setTimeout(r, 300));
      },
    });
    const runtime = createProjectionRuntime({ db, store, projections: [slow], batchSize: 5, catchUpBatchSize: 5, pollMs: 20 });
    await inFlight;
    await runtime.stop();
    const stopped = (await readStatus(db, 'stopping', 1))!;
    const { events } = await store.readAll({ limit: 1_000_000 });
    // Exactly the first page (5 events of any type) is applied, with its checkpoint.
    expect(stopped.checkpoint).toBe(events[4]!.position);
    const applied = await appliedTwice(db, 'stopping_v1');
    expect(applied.duplicates).toEqual([]);
    expect(applied.rows).toBe(events.slice(0, 5).filter((e) => e.type !== 'Ignored').length);
    const lease = await sql<{ valid: boolean }>`SELECT expires_at > now() AS valid FROM projection_runtime.projection_leases WHERE name = 'stopping'`.execute(db);
    expect(lease.rows).toEqual([{ valid: false }]);
    const again = createProjectionRuntime({ db, store, projections: [countsProjection(1, { name: 'stopping' })], batchSize: 5, pollMs: 20 });
    try {
      await again.caughtUp();
      await waitForCheckpoint(db, 'stopping', 1);
    } finally {
      await again.stop();
    }
    const after = await appliedTwice(db, 'stopping_v1');
    expect(after).toEqual({ duplicates: [], rows: events.filter((e) => e.type !== 'Ignored').length });
  });
});
