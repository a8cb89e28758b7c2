import { createReadModelDatabase, migrateSchema } from '@cs/read-model';
import { createTestDatabase } from '@cs/testing';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { handleKpiEvents, installAnalyticsViews, kpiMigrations, type KpiDatabase, type KpiEvent } from '../src/index.ts';

export const SCHEMA = 'kpi_v1';

/**
 * A real PostgreSQL database for one test file with the KPI schema migrated and the analytics
 * views installed; `project` applies events in one transaction, as a runtime batch would.
 */
export const kpiTestDatabase = async (prefix: string) => {
  const tdb = await createTestDatabase(prefix);
  // JIT compiles these many-branch views for seconds on tiny unanalysed tables; docs/analysts.md
  // recommends the same setting for analyst logins.
  const admin = new pg.Client({ connectionString: tdb.url });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${tdb.name}" SET jit = off`);
  await admin.end();
  const db: Kysely<any> = createReadModelDatabase<any>({ kind: 'postgres', url: tdb.url, max: 3 });
  await migrateSchema(db, SCHEMA, kpiMigrations);
  await installAnalyticsViews(db, SCHEMA);
  return {
    db,
    url: tdb.url,
    project: (events: readonly KpiEvent[]) => db.transaction().execute((tx) => handleKpiEvents(tx.withSchema(SCHEMA) as unknown as Kysely<KpiDatabase>, events)),
    reset: async () => {
      await sql
        .raw(
          `TRUNCATE ${['order_facts', 'order_lines', 'order_tracking_points', 'order_damage_reports', 'complaint_facts', 'return_facts', 'customer_attributes', 'survey_answers', 'evaluation_items', 'standard_targets', 'improvements']
            .map((t) => `${SCHEMA}.${t}`)
            .join(', ')}`,
        )
        .execute(db);
    },
    close: async () => {
      await db.destroy();
      await tdb.drop();
    },
  };
};
