import { type Kysely, sql } from 'kysely';
import { safeIdentifier } from '@cs/read-model';
import { analyticsViews } from './analytics.ts';
import { recomputeAggregates } from './aggregates.ts';
import { KpiError } from './errors.ts';
import { disableJitForDatabase } from './migrations.ts';
import type { KpiSettings } from './settings.ts';

/** The group role analysts log in through (NOLOGIN; logins are members of it). */
export const ANALYST_ROLE = 'analyst';

/**
 * Creates the NOLOGIN group role `analyst` if it is missing (safe when several processes race)
 * and grants it SELECT on the `analytics` views and nothing else.
 *
 * @example
 * await ensureAnalystRole(db); // then: CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE analyst;
 */
export const ensureAnalystRole = async (db: Kysely<any>, role: string = ANALYST_ROLE): Promise<void> => {
  const r = safeIdentifier(role);
  await sql
    .raw(`DO $$ BEGIN CREATE ROLE ${r} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
    .execute(db);
  await sql.raw(`CREATE SCHEMA IF NOT EXISTS analytics`).execute(db);
  await sql.raw(`GRANT USAGE ON SCHEMA analytics TO ${r}`).execute(db);
  await sql.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO ${r}`).execute(db);
};

/**
 * (Re)creates the `analytics` views over a KPI schema in one transaction and grants them to
 * the analyst role. The projection runtime does the same on promotion; this is for tools and
 * tests that run without it.
 *
 * @example
 * await installAnalyticsViews(db, 'kpi_v1');
 */
export const installAnalyticsViews = async (db: Kysely<any>, schema: string, role: string = ANALYST_ROLE): Promise<void> => {
  const views = analyticsViews(schema);
  await db.transaction().execute(async (tx) => {
    await sql.raw(`CREATE SCHEMA IF NOT EXISTS analytics`).execute(tx);
    for (const v of views) await sql.raw(`DROP VIEW IF EXISTS analytics.${safeIdentifier(v.name)}`).execute(tx);
    for (const v of views) {
      await sql.raw(`CREATE VIEW analytics.${safeIdentifier(v.name)} AS ${v.select}`).execute(tx);
      await sql.raw(`COMMENT ON VIEW analytics.${v.name} IS '${v.description.replaceAll("'", "''")}'`).execute(tx);
    }
  });
  await ensureAnalystRole(db, role);
  await disableJitForDatabase(db);
};

/**
 * Changes the analytics settings (company time zone, tracking interval) and, in the same
 * transaction, recomputes the fact rows and totals of every KPI schema (`kpi_v<N>`) from its
 * fact tables: the buckets and the timely-tracking numerator depend on them. Refuses an
 * unknown time zone or a non-positive interval with `KpiError('invalid_settings')`, and a
 * database the projection has not migrated yet with `KpiError('not_installed')`.
 *
 * @example
 * await setKpiSettings(db, { timeZone: 'Europe/Paris', trackingIntervalHours: 12 });
 */
export const setKpiSettings = async (db: Kysely<any>, settings: Partial<KpiSettings>): Promise<void> => {
  if (settings.timeZone !== undefined) {
    const found = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_timezone_names WHERE name = ${settings.timeZone}`.execute(db);
    if ((found.rows[0]?.n ?? 0) === 0) {
      throw new KpiError('invalid_settings', `unknown time zone "${settings.timeZone}"`, { timeZone: settings.timeZone });
    }
  }
  const interval = settings.trackingIntervalHours;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw new KpiError('invalid_settings', 'trackingIntervalHours must be a positive number', { trackingIntervalHours: interval });
  }
  const installed = await sql<{ t: string | null }>`SELECT to_regclass('kpi_config.settings')::text AS t`.execute(db);
  if (installed.rows[0]?.t == null) {
    throw new KpiError('not_installed', 'the KPI projection has not been migrated in this database yet (no kpi_config.settings)');
  }
  await db.transaction().execute(async (trx) => {
    // FOR UPDATE waits for running projection batches (they hold FOR SHARE) and makes later
    // ones wait for this recomputation.
    await sql`SELECT id FROM kpi_config.settings WHERE id FOR UPDATE`.execute(trx);
    await sql`UPDATE kpi_config.settings SET
        time_zone = coalesce(${settings.timeZone ?? null}::text, time_zone),
        tracking_interval_hours = coalesce(${interval ?? null}::numeric, tracking_interval_hours),
        updated_at = now()
      WHERE id`.execute(trx);
    const schemas = await sql<{ schema: string }>`SELECT n.nspname AS schema FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = 'indicator_totals'
      WHERE n.nspname ~ '^kpi_v[0-9]+$' ORDER BY 1`.execute(trx);
    for (const { schema } of schemas.rows) await recomputeAggregates(trx, schema);
  });
};
