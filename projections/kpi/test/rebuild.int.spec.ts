import { defineProjection, schemaOf } from '@cs/projection-runtime';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '@cs/read-model';
import { kpiMigrations, kpiProjection, setKpiSettings } from '../src/index.ts';
import { kpiTestDatabase, tableContents } from './driver.ts';
import { build, historyArb } from './generated-history.ts';

// "A rebuild yields identical tables": the serving version is rebuilt as a new version (its own
// schema, from the start of the store, other batch sizes) by the real runtime; once caught up
// it is promoted (analytics views switched in one transaction) and every table and view equals
// what the previous version had. The rebuild settles with helpers (its recompute split across
// backends), as the projector does; the oracle property's rebuilds settle in one transaction.

let t: Awaited<ReturnType<typeof kpiTestDatabase>>;
beforeAll(async () => {
  t = await kpiTestDatabase('kpi_rebuild');
});
afterAll(() => t.close());

const analyticsDump = async (db: Kysely<any>): Promise<Record<string, string[]>> => {
  const views = await sql<{ name: string }>`SELECT viewname AS name FROM pg_views WHERE schemaname = 'analytics' ORDER BY 1`.execute(db);
  const out: Record<string, string[]> = {};
  for (const { name } of views.rows) {
    const rows = await sql<{ j: string }>`SELECT row_to_json(v)::text AS j FROM ${sql.table(`analytics.${name}`)} v`.execute(db);
    out[name] = rows.rows.map((r) => r.j).sort();
  }
  return out;
};

describe('rebuild', () => {
  it('a new version rebuilt from the store yields identical tables and takes the views over', async () => {
    // The richest of a few deterministic generated histories (through the deciders).
    const candidates = fc.sample(historyArb, { seed: 20261220, numRuns: 8 }).map(build);
    const { events } = candidates.reduce((a, b) => (b.events.length > a.events.length ? b : a));
    expect(events.length).toBeGreaterThan(40);

    const { store, recorded } = await t.appendToNewStore(events);
    await t.run(store, [kpiProjection], recorded, 7);
    await setKpiSettings(t.db, { timeZone: 'Asia/Shanghai', trackingIntervalHours: 24 });
    const before = await tableContents(t.db, schemaOf(kpiProjection));
    const viewsBefore = await analyticsDump(t.db);
    expect(before.indicator_totals!.length).toBeGreaterThan(100);
    expect(viewsBefore.scorecard!.length).toBeGreaterThan(0);

    const next = defineProjection({ ...kpiProjection, version: kpiProjection.version + 1 });
    // As the projector runs it: the settle's recompute split over two helper connections.
    await t.run(store, [kpiProjection, next], recorded, 50, 2);
    const after = await tableContents(t.db, schemaOf(next));
    for (const table of Object.keys(before)) expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    // The rebuild dropped the fact tables' secondary indexes while replaying; they are back.
    const indexes = async (schema: string) =>
      (await sql<{ d: string }>`SELECT replace(indexdef, ${`${schema}.`}, '') AS d FROM pg_indexes WHERE schemaname = ${schema} ORDER BY 1`.execute(t.db)).rows.map((r) => r.d);
    await migrateSchema(t.db, 'kpi_fresh', kpiMigrations);
    expect(await indexes(schemaOf(next))).toEqual(await indexes('kpi_fresh'));
    expect(await indexes(schemaOf(kpiProjection))).toEqual(await indexes('kpi_fresh'));
    const state = await sql<{ deferred: boolean; n: number }>`SELECT deferred, jsonb_array_length(deferred_indexes) AS n FROM ${sql.table(`${schemaOf(next)}.totals_state`)}`.execute(t.db);
    expect(state.rows).toEqual([{ deferred: false, n: 0 }]);

    const status = await sql<{ version: number; serving: boolean }>`SELECT version, serving FROM projection_runtime.projection_status
      WHERE name = 'kpi' ORDER BY version`.execute(t.db);
    expect(status.rows).toEqual([
      { version: kpiProjection.version, serving: false },
      { version: next.version, serving: true },
    ]);
    const onNew = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_views WHERE schemaname = 'analytics'
      AND definition LIKE ${`%${schemaOf(next)}.%`}`.execute(t.db);
    const onOld = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_views WHERE schemaname = 'analytics'
      AND definition LIKE ${`%${schemaOf(kpiProjection)}.%`}`.execute(t.db);
    expect(onOld.rows[0]?.n).toBe(0);
    expect(onNew.rows[0]?.n).toBeGreaterThan(10);
    expect(await analyticsDump(t.db)).toEqual(viewsBefore);
  }, 120_000);
});
