import { complaintAggregate } from '@cs/domain';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { applyAuditMigration, auditViewStore, sqlAccessLog, type AuditDeps } from '../src/index.ts';
import { KEY, writer, type Writer } from './history.ts';

export type SqlAuditSetup = { db: TestDatabase; pool: pg.Pool; store: EventStore; w: Writer; deps: AuditDeps; close: () => Promise<void> };

/**
 * A PostgreSQL database of its own for one test file: the event store (schema `event_store`),
 * the audit migration over it, a write path anchoring in memory, and the auditor's deps reading
 * through the audit view (`auditViewStore`) with the SQL access log.
 *
 * @example
 * let t: SqlAuditSetup;
 * beforeAll(async () => { t = await sqlAuditSetup('audit_x'); });
 * afterAll(() => t?.close());
 */
export const sqlAuditSetup = async (label: string): Promise<SqlAuditSetup> => {
  const db = await createTestDatabase(label);
  const store = await createPostgresEventStore({ connectionString: db.url, schema: 'event_store', max: 4 });
  const pool = new pg.Pool({ connectionString: db.url, max: 3 });
  await applyAuditMigration(pool, { eventStoreSchema: 'event_store' });
  const w = writer(store);
  const deps: AuditDeps = { store: auditViewStore(pool), anchors: w.anchors, key: KEY, accessLog: sqlAccessLog(pool), aggregates: { complaint: complaintAggregate }, now: () => new Date().toISOString() };
  return {
    db,
    pool,
    store,
    w,
    deps,
    close: async () => {
      await pool.end();
      await store.close();
      await db.drop();
    },
  };
};
