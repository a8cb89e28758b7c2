import type { EventStore, NewEvent, RecordedEvent } from '@cs/event-store';
import { createReadModelDatabase } from '@cs/read-model';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { defineProjection, type Projection } from '../src/index.ts';

/** Event types the test projection counts (others are skipped but still move the checkpoint). */
export const countedTypes = ['Alpha', 'Beta', 'Gamma'] as const;
export const allTypes = [...countedTypes, 'Ignored'] as const;

export type TestEvent = { type: (typeof allTypes)[number]; stream: string; amount: number };

export type CountsOptions = {
  /** The handler throws on events this returns true for. */
  poison?: (e: RecordedEvent) => boolean;
  /** Awaited inside the batch transaction after the rows are written (tests pause or kill here). */
  beforeCommit?: (events: readonly RecordedEvent[]) => Promise<void> | void;
  /** Written to `applied.applied_by`. */
  instance?: string;
  /** Projection name; default 'counts'. */
  name?: string;
};

/**
 * The test projection: per event type a count and a sum, and one `applied` row per handled
 * event WITHOUT a unique key, so that a double application shows as a duplicate row.
 */
export const countsProjection = (version: number, options: CountsOptions = {}): Projection =>
  defineProjection({
    name: options.name ?? 'counts',
    version,
    eventTypes: countedTypes,
    migrations: {
      '202501150930_create_counts': {
        up: async (db) => {
          await db.schema
            .createTable('counts')
            .addColumn('type', 'text', (c) => c.primaryKey())
            .addColumn('n', 'integer', (c) => c.notNull())
            .addColumn('total', 'bigint', (c) => c.notNull())
            .execute();
          await db.schema
            .createTable('applied')
            .addColumn('position', 'text', (c) => c.notNull())
            .addColumn('event_id', 'text', (c) => c.notNull())
            .addColumn('applied_by', 'text', (c) => c.notNull())
            .execute();
        },
      },
    },
    handle: async (events, { db }) => {
      for (const e of events) {
        if (options.poison?.(e)) throw new Error(`poison event ${e.id}`);
        const amount = (e.data as { amount: number }).amount;
        await db
          .insertInto('counts')
          .values({ type: e.type, n: 1, total: amount })
          .onConflict((oc) =>
            oc.column('type').doUpdateSet({ n: sql`counts.n + 1`, total: sql`counts.total + excluded.total` }),
          )
          .execute();
        await db.insertInto('applied').values({ position: e.position, event_id: e.id, applied_by: options.instance ?? 'test' }).execute();
      }
      await options.beforeCommit?.(events);
    },
    views: (schema) => [
      { name: 'counts_by_type', select: `SELECT type, n, total FROM ${schema}.counts` },
      { name: 'counts_total', select: `SELECT coalesce(sum(n), 0)::int AS n FROM analytics.counts_by_type` },
    ],
  });

/** The direct fold of the same events: what the read model must equal. */
export const foldCounts = (events: readonly TestEvent[]): Record<string, { n: number; total: number }> => {
  const out: Record<string, { n: number; total: number }> = {};
  for (const e of events) {
    if (!(countedTypes as readonly string[]).includes(e.type)) continue;
    const c = (out[e.type] ??= { n: 0, total: 0 });
    c.n += 1;
    c.total += e.amount;
  }
  return out;
};

/** The read model's counts as the same shape as `foldCounts`. */
export const readCounts = async (db: Kysely<any>, schema: string): Promise<Record<string, { n: number; total: number }>> => {
  const rows = await db.withSchema(schema).selectFrom('counts').select(['type', 'n', 'total']).orderBy('type').execute();
  return Object.fromEntries(rows.map((r) => [r.type as string, { n: Number(r.n), total: Number(r.total) }]));
};

/** Positions applied more than once (must be empty) and the number of applied rows. */
export const appliedTwice = async (db: Kysely<any>, schema: string): Promise<{ duplicates: string[]; rows: number }> => {
  const dup = await sql<{ position: string }>`SELECT position FROM ${sql.id(schema, 'applied')} GROUP BY position HAVING count(*) > 1`.execute(db);
  const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(schema, 'applied')}`.execute(db);
  return { duplicates: dup.rows.map((r) => r.position), rows: n.rows[0]?.n ?? 0 };
};

export const newEvent = (e: TestEvent, i: number): NewEvent => ({
  type: e.type,
  data: { amount: e.amount },
  metadata: {
    commandId: `cmd-${i}-${Math.random().toString(36).slice(2)}`,
    correlationId: `cor-${i}`,
    actor: { service: 'test' },
    occurredAt: '2025-01-15T09:30:00.000Z',
  },
});

let lastAppended = '';

/** Appends test events one by one to their streams. */
export const appendAll = async (store: EventStore, events: readonly TestEvent[]): Promise<void> => {
  let i = 0;
  for (const e of events) {
    const { positions } = await store.append(e.stream, [newEvent(e, i++)], { expectedVersion: 'any' });
    lastAppended = positions.at(-1) ?? lastAppended;
  }
};

/**
 * Waits until a projection's checkpoint reaches the last event this process appended. (The
 * PostgreSQL store shows an event only once no older write transaction runs on the server,
 * so "read to the end once" can come before the last append is visible.)
 */
export const waitForCheckpoint = async (db: Kysely<any>, name: string, version: number, ms = 60_000): Promise<void> => {
  const target = lastAppended;
  await waitFor(async () => {
    const row = await db
      .selectFrom('projection_runtime.projection_status')
      .select('checkpoint')
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row !== undefined && row.checkpoint >= target;
  }, ms, `${name} v${version} to reach ${target}`);
};

export const readModelDb = (url: string, applicationName?: string): Kysely<any> =>
  createReadModelDatabase<any>({ kind: 'postgres', url, ...(applicationName ? { applicationName } : {}) });

/** Resolves when `check` returns true (polling), or rejects after `ms`. */
export const waitFor = async (check: () => Promise<boolean> | boolean, ms = 20_000, what = 'condition'): Promise<void> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

export { pg };
