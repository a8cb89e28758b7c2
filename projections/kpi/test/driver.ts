import { randomUUID } from 'node:crypto';
import { createPostgresEventStore, type RecordedEvent, type SqlEventStore, START } from '@cs/event-store';
import { createProjectionRuntime, type Projection, schemaOf } from '@cs/projection-runtime';
import { createReadModelDatabase, migrateRuntime, migrateSchema } from '@cs/read-model';
import { createTestDatabase } from '@cs/testing';
import { type Kysely, sql } from 'kysely';
import { handleKpiEvents, installAnalyticsViews, kpiMigrations, kpiProjection, type KpiEvent } from '../src/index.ts';

export const SCHEMA = schemaOf(kpiProjection);

/** Every table of a KPI schema (fact tables, fact rows, totals), in a stable order. */
export const kpiTables = [
  'order_facts',
  'order_lines',
  'order_tracking_points',
  'order_damage_reports',
  'complaint_facts',
  'return_facts',
  'customer_attributes',
  'survey_answers',
  'survey_days',
  'evaluation_items',
  'standard_targets',
  'improvements',
  'indicator_fact_rows',
  'duration_fact_rows',
  'indicator_totals',
  'duration_totals',
] as const;

const waitFor = async (check: () => Promise<boolean>, ms: number, what: string): Promise<void> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** A history event as the store takes it (metadata made up; the KPI projection reads data only). */
const toNew = (e: KpiEvent) => {
  const data = e.data as { occurredAt?: string };
  return {
    type: e.type,
    data: e.data,
    metadata: { commandId: randomUUID(), correlationId: randomUUID(), actor: { service: 'kpi-test' }, occurredAt: data.occurredAt ?? '2026-01-01T00:00:00Z' },
  };
};

/**
 * A real PostgreSQL database for one test file. `project` applies events directly in one
 * transaction (as one runtime batch would); `projectThroughRuntime` appends them to the real
 * PostgreSQL event store (a fresh store schema each call) and runs the real projection runtime
 * over it until the checkpoint reaches the last event, then stops it.
 */
export const kpiTestDatabase = async (prefix: string) => {
  const tdb = await createTestDatabase(prefix);
  const db: Kysely<any> = createReadModelDatabase<any>({ kind: 'postgres', url: tdb.url, max: 4 });
  await migrateRuntime(db);
  let stores = 0;
  const openStores: SqlEventStore[] = [];

  const checkpointOf = async (p: Projection) =>
    (
      await sql<{ checkpoint: string; state: string; last_error: string | null }>`SELECT checkpoint, state, last_error FROM projection_runtime.projection_status
        WHERE name = ${p.name} AND version = ${p.version}`.execute(db)
    ).rows[0];

  /** Runs the runtime with `projections` over `store` until every one has applied `last`. */
  const runUntil = async (store: SqlEventStore, projections: readonly Projection[], last: string, batchSize: number, settleHelpers = 0) => {
    // Every batch (also while catching up) has `batchSize` events, so the batch boundaries
    // the caller chose are the ones the projection sees.
    const runtime = createProjectionRuntime({ db, store, projections, batchSize, catchUpBatchSize: batchSize, settleHelpers, pollMs: 10, leaseMs: 5_000, lagProbeMs: 0 });
    try {
      await waitFor(
        async () => {
          for (const p of projections) {
            const row = await checkpointOf(p);
            if (row?.state === 'stopped') throw new Error(`${p.name} v${p.version} stopped: ${row.last_error}`);
            if (row === undefined || row.checkpoint < last) return false;
          }
          return true;
        },
        60_000,
        `the projections to reach ${last}`,
      );
      await runtime.caughtUp();
    } finally {
      await runtime.stop();
    }
  };

  const api = {
    db,
    url: tdb.url,
    /** Applies events straight to the fact tables in one transaction (no runtime, no store). */
    project: (events: readonly KpiEvent[]) => db.transaction().execute((trx) => handleKpiEvents(trx, SCHEMA, events)),
    /** Migrates the KPI schema and installs the analytics views without the runtime. */
    install: async () => {
      await migrateSchema(db, SCHEMA, kpiMigrations);
      await installAnalyticsViews(db, SCHEMA);
    },
    /**
     * Appends `events` (in this order) to a fresh PostgreSQL event-store schema and runs the
     * real projection runtime (`projections`, default the KPI projection) from the start of
     * that store: the KPI tables are emptied and the checkpoint set back first. With
     * `rebuild`, the version also stops serving first, so the runtime replays it as a rebuild
     * (totals deferred to the end, then promoted). Returns the events as recorded (store ids
     * and positions), which is what the projection saw.
     */
    projectThroughRuntime: async (
      events: readonly KpiEvent[],
      options: { batchSize?: number; projections?: readonly Projection[]; rebuild?: boolean } = {},
    ): Promise<RecordedEvent[]> => {
      const { store, recorded } = await api.appendToNewStore(events);
      const projections = options.projections ?? [kpiProjection];
      for (const p of projections) await api.resetProjection(p, { rebuild: options.rebuild ?? false });
      await api.run(store, projections, recorded, options.batchSize ?? 50);
      return recorded;
    },
    /** Appends `events` in this order to a fresh event-store schema; returns the store and the recorded events. */
    appendToNewStore: async (events: readonly KpiEvent[]) => {
      stores += 1;
      const store = await createPostgresEventStore({ connectionString: tdb.url, schema: `es_${stores}`, max: 2 });
      openStores.push(store);
      if (events.length > 0) {
        await store.appendBatch!(events.map((e) => ({ streamId: e.streamId, events: [toNew(e)], expectedVersion: 'any' as const })));
      }
      // The PostgreSQL store shows an event only once no older write transaction runs anywhere
      // on the cluster (its gapless guard): wait until every appended event is visible.
      let recorded: RecordedEvent[] = [];
      await waitFor(
        async () => {
          recorded = (await store.readAll({ after: START, limit: 1_000_000 })).events;
          return recorded.length === events.length;
        },
        60_000,
        `${events.length} appended events to become visible`,
      );
      return { store, recorded };
    },
    /**
     * Runs the real runtime with `projections` over `store` until each has applied the last
     * recorded event; `settleHelpers` as the runtime's option (default 0: settle in one transaction).
     */
    run: (store: SqlEventStore, projections: readonly Projection[], recorded: readonly RecordedEvent[], batchSize = 50, settleHelpers = 0) =>
      runUntil(store, projections, recorded.at(-1)?.position ?? START, batchSize, settleHelpers),
    /** Empties a projection version's tables and moves its checkpoint back to the start. */
    resetProjection: async (p: Projection, options: { rebuild?: boolean } = {}) => {
      const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${schemaOf(p)}`.execute(db);
      if ((exists.rows[0]?.n ?? 0) > 0) {
        await sql.raw(`TRUNCATE ${kpiTables.map((t) => `${schemaOf(p)}.${t}`).join(', ')}`).execute(db);
      }
      const runtime = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'projection_runtime'`.execute(db);
      if ((runtime.rows[0]?.n ?? 0) > 0) {
        await sql`UPDATE projection_runtime.projection_status SET checkpoint = '', state = CASE WHEN state = 'stopped' THEN 'running' ELSE state END,
            serving = serving AND NOT ${options.rebuild ?? false}::boolean
          WHERE name = ${p.name} AND version = ${p.version}`.execute(db);
      }
    },
    reset: async () => {
      await sql.raw(`TRUNCATE ${kpiTables.map((t) => `${SCHEMA}.${t}`).join(', ')}`).execute(db);
    },
    close: async () => {
      for (const s of openStores) await s.close();
      await db.destroy();
      await tdb.drop();
    },
  };
  return api;
};

/** Every row of every KPI table of `schema`, as sorted JSON lines per table (for equality checks). */
export const tableContents = async (db: Kysely<any>, schema: string): Promise<Record<string, string[]>> => {
  const out: Record<string, string[]> = {};
  for (const t of kpiTables) {
    const r = await sql<{ j: string }>`SELECT row_to_json(x)::text AS j FROM ${sql.table(`${schema}.${t}`)} x`.execute(db);
    out[t] = r.rows.map((row) => row.j).sort();
  }
  return out;
};
