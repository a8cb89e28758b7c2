import { defineProjection, type Projection } from '@cs/projection-runtime';
import { type Kysely, sql } from 'kysely';
import { analyticsViews } from './analytics.ts';
import { companyRecordEventTypes } from './company-records.ts';
import type { KpiDatabase } from './database.ts';
import { type KpiEvent, reader } from './event-data.ts';
import { applyKpiEvent, flushKpiWrites, newKpiWrites } from './handle.ts';
import { deferFactIndexes, moveSurveyDays, noneTouched, recomputeAggregates, recomputeAggregatesSplit, refreshAggregates, type SettleHelper, touchedBy } from './aggregates.ts';
import { safeIdentifier } from '@cs/read-model';
import { ANALYST_ROLE } from './install.ts';
import { kpiMigrations } from './migrations.ts';

/** The event types the KPI projection reads (everything else is skipped by the runtime). */
export const kpiEventTypes: readonly string[] = [
  'OrderPlaced',
  'OrderAccepted',
  'OrderRejected',
  'OrderCancelled',
  'OrderPrepared',
  'OrderDispatched',
  'OrderTrackingUpdated',
  'OrderDelivered',
  'OrderLost',
  'OrderExceptionRaised',
  'ComplaintReceived',
  'ComplaintAcknowledged',
  'ComplaintAssessed',
  'ComplaintResolved',
  'ComplaintReopened',
  'ComplaintEscalated',
  'ComplaintClosed',
  'ReturnRequested',
  'ReturnInspected',
  'ReturnApproved',
  'ReturnRejected',
  'ReturnSettled',
  'ReturnClosed',
  ...companyRecordEventTypes,
];

const deferredTotals = async (db: Kysely<any>, s: string): Promise<boolean> => {
  const r = await sql<{ deferred: boolean }>`SELECT deferred FROM ${sql.raw(s)}.totals_state WHERE id FOR UPDATE`.execute(db);
  return r.rows[0]?.deferred ?? false;
};

/**
 * Computes the fact rows and totals of `schema` once if a replay deferred them (see
 * `handleKpiEvents`) and says whether it did; a no-op otherwise. Inside ONE transaction, or,
 * with `split` (the runtime's settle helpers), split across that many backends by
 * `recomputeAggregatesSplit` while `db` holds the state row and the settings: the helpers'
 * partial work commits as it goes, but `deferred` is cleared only here at the end, so an
 * interrupted settle leaves the version deferred and the next settle (or `promote`, or the
 * next batch) redoes the whole recompute.
 *
 * @example
 * await db.transaction().execute((trx) => settleKpiTotals(trx, 'kpi_v2'));
 */
export const settleKpiTotals = async (db: Kysely<any>, schema: string, split?: { helper: SettleHelper; helpers: number }): Promise<boolean> => {
  const s = safeIdentifier(schema);
  if (split && split.helpers > 0) {
    // Settings FOR SHARE: no settings change (setKpiSettings, FOR UPDATE) while the parts are
    // computed. State FOR KEY SHARE: no other recompute (they take it FOR UPDATE), while the
    // helpers may still update the row (the index definitions).
    await sql`SELECT id FROM kpi_config.settings WHERE id FOR SHARE`.execute(db);
    const r = await sql<{ deferred: boolean }>`SELECT deferred FROM ${sql.raw(s)}.totals_state WHERE id FOR KEY SHARE`.execute(db);
    if (!(r.rows[0]?.deferred ?? false)) return false;
    await recomputeAggregatesSplit(db, schema, split.helper, split.helpers);
    await sql`UPDATE ${sql.raw(s)}.totals_state SET deferred = false, deferred_since = NULL, deferred_indexes = '[]'::jsonb WHERE id`.execute(db);
    return true;
  }
  if (!(await deferredTotals(db, s))) return false;
  await recomputeAggregates(db, schema);
  await sql`UPDATE ${sql.raw(s)}.totals_state SET deferred = false, deferred_since = NULL WHERE id`.execute(db);
  return true;
};

/**
 * Applies a batch of events in order to the fact tables of `schema` (one statement per table,
 * see handle.ts), then recomputes the facts of every subject the batch touched and moves the
 * totals by the difference. With `replaying` (a rebuild far behind that serves no view), the
 * fact rows and totals are deferred instead: the batch only marks them so, and
 * `settleKpiTotals` (or the next batch that is not replaying) computes them once, set-based,
 * which is many times cheaper than keeping them current through a whole history. Call it
 * inside ONE transaction (`db` unscoped: a kysely transaction). Idempotent: fact writes are
 * upserts keyed by ids and the totals are recomputed, never blindly incremented.
 *
 * @example
 * await db.transaction().execute((trx) => handleKpiEvents(trx, 'kpi_v2', events));
 */
export const handleKpiEvents = async (db: Kysely<any>, schema: string, events: readonly KpiEvent[], options: { replaying?: boolean } = {}): Promise<void> => {
  const s = safeIdentifier(schema);
  // Serialises with setKpiSettings (which recomputes every total under FOR UPDATE of this row):
  // a batch sees either the old settings and its totals get recomputed, or the new ones.
  // Replaying, the same statement (one round trip) also makes the commit not wait for its WAL
  // flush (see below) and locks and reads totals_state, after the settings as every path does.
  const replayState = options.replaying
    ? (
        await sql<{ deferred: boolean }>`WITH settings AS MATERIALIZED (SELECT id FROM kpi_config.settings WHERE id FOR SHARE)
          SELECT set_config('synchronous_commit', 'off', true) AS synchronous_commit,
            (SELECT deferred FROM ${sql.raw(s)}.totals_state WHERE id FOR UPDATE) AS deferred
          FROM settings`.execute(db)
      ).rows[0]
    : (await sql`SELECT id FROM kpi_config.settings WHERE id FOR SHARE`.execute(db), undefined);
  const scoped = db.withSchema(s) as Kysely<KpiDatabase>;
  const touched = noneTouched();
  const surveys = new Set<string>();
  // The batch's fact-table writes are merged per row and sent as one statement per table.
  const writes = newKpiWrites(s);
  for (const event of events) {
    const direct = applyKpiEvent(scoped, event, writes);
    if (direct) await direct;
    if (!options.replaying) {
      touchedBy(touched, event);
      if (event.type === 'CustomerSurveyRecorded') {
        const id = reader(event).optStr('surveyId');
        if (id !== null) surveys.add(id);
      }
    }
  }
  // The survey days move by difference around the survey answers' write (deferred like the
  // totals while replaying: the recompute rebuilds them).
  if (options.replaying) {
    // A replaying batch's commit does not wait for its WAL to reach the disk: a database
    // crash may lose the last few committed batches, each whole with its checkpoint (one
    // transaction), so the rebuild re-applies them from the checkpoint that survived; nobody
    // reads a version that is not serving yet. (The serving version's batches stay durable.)
    // (synchronous_commit = off for this transaction: set above.)
    // The first replaying batch defers the totals and the fact tables' secondary indexes
    // (the recompute creates both once); later ones find them deferred.
    if (!(replayState?.deferred ?? false)) {
      await deferFactIndexes(db, s);
      await sql`UPDATE ${sql.raw(s)}.totals_state SET deferred = true, deferred_since = now() WHERE id`.execute(db);
    }
    await flushKpiWrites(db, writes);
    return;
  }
  if (surveys.size > 0) await moveSurveyDays(db, s, surveys, '-');
  await flushKpiWrites(db, writes);
  if (surveys.size > 0) await moveSurveyDays(db, s, surveys, '');
  // Deferred by an earlier replaying batch: one recompute covers this batch too.
  if (!(await settleKpiTotals(db, s))) await refreshAggregates(db, s, touched);
};

/**
 * The KPI projection: fact tables, fact rows and totals in `kpi_v2`, the `analytics` views over
 * them, readable by the `analyst` role. Version 2: aggregate tables, and the return rate over
 * the same delivery denominator as the other delivery indicators (delivered + lost).
 *
 * @example
 * createProjectionRuntime({ db, store, projections: [kpiProjection] });
 */
export const kpiProjection: Projection<KpiDatabase> = defineProjection<KpiDatabase>({
  name: 'kpi',
  version: 2,
  eventTypes: kpiEventTypes,
  // Facts come from the events' data, times from the business times in it: no metadata.
  readsMetadata: false,
  // Nor the hash chain (the auditors' read verifies it).
  readsChain: false,
  migrations: kpiMigrations,
  handle: (events, { trx, schema, replaying }) => handleKpiEvents(trx, schema, events, { replaying }),
  // A rebuild's settle splits the recompute across the runtime's settle helpers, if it has any.
  settle: async ({ trx, schema, helper, helpers }) => void (await settleKpiTotals(trx, schema, helper ? { helper, helpers } : undefined)),
  views: (schema) => analyticsViews(schema).map(({ name, select }) => ({ name, select })),
  viewReaders: [ANALYST_ROLE],
});
