import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '@cs/read-model';
import { deferFactIndexes } from '../src/aggregates.ts';
import { kpiMigrations, type SettleHelper, settleKpiTotals } from '../src/index.ts';
import { SCHEMA, kpiTestDatabase, tableContents } from './driver.ts';
import { build, historyArb } from './generated-history.ts';

// The settle's recompute split across helper transactions (the runtime's settle helpers, here
// real transactions on other connections of the same pool) gives the rows of the one-
// transaction recompute; and a split settle interrupted after any of its helper transactions
// (their commits stay) leaves the version deferred, and the next settle, split or not, redoes
// it to the same rows and indexes.

let t: Awaited<ReturnType<typeof kpiTestDatabase>>;
beforeAll(async () => {
  t = await kpiTestDatabase('kpi_settle_split');
  await t.install();
  await migrateSchema(t.db, 'kpi_fresh', kpiMigrations);
});
afterAll(() => t.close());

/** A helper as the runtime's: `body` in a transaction of its own (another pool connection), search_path on the schema. */
const realHelper = (db: Kysely<any>, failAfter = Number.POSITIVE_INFINITY): { helper: SettleHelper; calls: () => number } => {
  let calls = 0;
  const helper: SettleHelper = (body) =>
    db.transaction().execute(async (trx) => {
      calls += 1;
      if (calls > failAfter) throw new Error(`helper ${calls} interrupted`);
      await sql.raw(`SET LOCAL search_path TO ${SCHEMA}, public`).execute(trx);
      return body({ trx });
    });
  return { helper, calls: () => calls };
};

const indexes = async (schema: string) =>
  (await sql<{ d: string }>`SELECT replace(indexdef, ${`${schema}.`}, '') AS d FROM pg_indexes WHERE schemaname = ${schema} ORDER BY 1`.execute(t.db)).rows.map((r) => r.d);

const state = async () =>
  (await sql<{ deferred: boolean; n: number }>`SELECT deferred, jsonb_array_length(deferred_indexes) AS n FROM ${sql.table(`${SCHEMA}.totals_state`)}`.execute(t.db)).rows[0];

/** The state a rebuild's replay leaves: facts and totals deferred, the fact tables' secondary indexes dropped. */
const deferLikeAReplay = () =>
  t.db.transaction().execute(async (trx) => {
    await deferFactIndexes(trx, SCHEMA);
    await sql`UPDATE ${sql.table(`${SCHEMA}.totals_state`)} SET deferred = true, deferred_since = now() WHERE id`.execute(trx);
  });

const settle = (split?: { helper: SettleHelper; helpers: number }) => t.db.transaction().execute((trx) => settleKpiTotals(trx, SCHEMA, split));

const histories = fc.sample(historyArb, { seed: 20261202, numRuns: 12 }).map(build).filter((h) => h.events.length > 20);

describe('split settle', () => {
  it('the recompute split across helpers gives the rows of the single recompute', async () => {
    expect(histories.length).toBeGreaterThan(2);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...histories), fc.integer({ min: 1, max: 3 }), async (h, width) => {
        await t.reset();
        // Applied live: every batch keeps the fact rows and totals current (no recompute).
        await t.project(h.events);
        const live = await tableContents(t.db, SCHEMA);
        expect(live.indicator_fact_rows!.length).toBeGreaterThan(0);
        await deferLikeAReplay();
        const { helper, calls } = realHelper(t.db);
        expect(await settle({ helper, helpers: width })).toBe(true);
        expect(calls()).toBeGreaterThan(width);
        expect(await tableContents(t.db, SCHEMA)).toEqual(live);
        expect(await indexes(SCHEMA)).toEqual(await indexes('kpi_fresh'));
        expect(await state()).toEqual({ deferred: false, n: 0 });
        // The totals were split by indicator (the statistics list the indicators' frequencies).
        const mcv = await sql<{ n: number }>`SELECT cardinality(most_common_vals::text::text[]) AS n FROM pg_stats
          WHERE schemaname = ${SCHEMA} AND tablename = 'indicator_fact_rows' AND attname = 'indicator'`.execute(t.db);
        expect(mcv.rows[0]?.n ?? 0).toBeGreaterThan(1);
        // Settled: the next settle is a no-op that runs no helper.
        const again = realHelper(t.db);
        expect(await settle({ helper: again.helper, helpers: width })).toBe(false);
        expect(again.calls()).toBe(0);
      }),
      { numRuns: 4, seed: 1202 },
    );
  }, 180_000);

  it('a split settle interrupted after any of its helper transactions is redone by the next settle', async () => {
    const h = histories.reduce((a, b) => (b.events.length > a.events.length ? b : a));
    await t.reset();
    await t.project(h.events);
    const live = await tableContents(t.db, SCHEMA);
    // How many helper transactions a whole split settle of width 2 runs.
    await deferLikeAReplay();
    const counted = realHelper(t.db);
    await settle({ helper: counted.helper, helpers: 2 });
    const total = counted.calls();
    expect(total).toBeGreaterThan(4);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: total - 1 }), fc.constantFrom(0, 1, 2), async (committed, redoWidth) => {
        await deferLikeAReplay();
        // The helpers after the first `committed` fail (as if the process died there; the
        // committed ones stay): the settle fails and the version stays deferred.
        const { helper } = realHelper(t.db, committed);
        await expect(settle({ helper, helpers: 2 })).rejects.toThrow(/interrupted/);
        expect((await state())!.deferred).toBe(true);
        // The next settle: split again, or in one transaction (as promote or a live batch would).
        const redo = realHelper(t.db);
        expect(await settle(redoWidth === 0 ? undefined : { helper: redo.helper, helpers: redoWidth })).toBe(true);
        expect(await tableContents(t.db, SCHEMA)).toEqual(live);
        expect(await indexes(SCHEMA)).toEqual(await indexes('kpi_fresh'));
        expect(await state()).toEqual({ deferred: false, n: 0 });
      }),
      { numRuns: 8, seed: 1203 },
    );
  }, 240_000);
});
