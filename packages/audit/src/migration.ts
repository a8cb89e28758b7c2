import type { SqlExecutor } from './access-log.ts';

/** Options of the audit migration: where the SQL event store keeps its tables. */
export type AuditMigrationOptions = {
  /** the event store's schema (`createPostgresEventStore({ schema })`), default `event_store` */
  eventStoreSchema?: string;
};

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The audit schema for the SQL event stores (PostgreSQL, PGlite), idempotent, over the REAL
 * events table `<eventStoreSchema>.events`:
 * `audit.access_log` (append-only: a trigger refuses UPDATE and DELETE),
 * `audit.record_access(...)` (SECURITY DEFINER: the one way to write the log),
 * the views `audit.events` (every stored event with its hash and previous hash, as hashed),
 * `audit.complaint_events` (complaint and complaint-number streams), `audit.access_log_view`,
 * and the `auditor` role (NOLOGIN; grant it to people's login roles) that may read those
 * views, call `audit.record_access` and nothing else. The anchor key is never stored here.
 * Apply it after the event store has created its schema.
 *
 * @example
 * await db.query(auditMigrationSql({ eventStoreSchema: 'event_store' }));
 */
export const auditMigrationSql = (options: AuditMigrationOptions = {}): string => {
  const schema = options.eventStoreSchema ?? 'event_store';
  if (!schemaName.test(schema)) throw new Error(`bad event store schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
  const events = `"${schema}".events`;
  return `
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.access_log (
  id               bigserial PRIMARY KEY,
  read_at          timestamptz NOT NULL DEFAULT now(),
  reader           text NOT NULL CHECK (length(reader) BETWEEN 1 AND 200),
  principal        text NOT NULL,
  db_user          text NOT NULL DEFAULT session_user,
  via              text NOT NULL CHECK (via IN ('cli', 'nats', 'sql')),
  complaint_id     text NOT NULL,
  complaint_number text,
  query            jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS access_log_complaint ON audit.access_log (complaint_id, read_at);

CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.access_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS access_log_append_only ON audit.access_log;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON audit.access_log
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

CREATE OR REPLACE FUNCTION audit.record_access(
  p_reader text, p_principal text, p_via text, p_complaint_id text, p_complaint_number text, p_query jsonb)
RETURNS TABLE (id bigint, read_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO audit.access_log (reader, principal, via, complaint_id, complaint_number, query)
  VALUES (p_reader, p_principal, p_via, p_complaint_id, p_complaint_number, coalesce(p_query, '{}'::jsonb))
  RETURNING access_log.id, access_log.read_at
$$;

-- explicit columns: a later event-store migration adding a column does not change the views
DROP VIEW IF EXISTS audit.complaint_events;
DROP VIEW IF EXISTS audit.events;
CREATE VIEW audit.events AS
  SELECT global_seq, transaction_id, event_id, stream_id, stream_version, type, schema_version,
         data, metadata, recorded_at, hash, prev_hash
    FROM ${events};
CREATE VIEW audit.complaint_events AS
  SELECT * FROM audit.events WHERE stream_id LIKE 'Complaint-%' OR stream_id LIKE 'ComplaintNumber-%';
CREATE OR REPLACE VIEW audit.access_log_view AS SELECT * FROM audit.access_log;

DO $$ BEGIN
  CREATE ROLE auditor NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.record_access(text, text, text, text, text, jsonb) FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO auditor;
GRANT SELECT ON audit.events, audit.complaint_events, audit.access_log_view TO auditor;
GRANT EXECUTE ON FUNCTION audit.record_access(text, text, text, text, text, jsonb) TO auditor;
`;
};

/**
 * Applies `auditMigrationSql` in one transaction (serialised by an advisory lock, so two
 * processes applying it at once queue).
 *
 * @example
 * await applyAuditMigration(pool, { eventStoreSchema: 'event_store' });
 */
export const applyAuditMigration = async (
  db: SqlExecutor & {
    exec?: (sql: string) => Promise<unknown>;
    connect?: () => Promise<SqlExecutor & { release: () => void }>;
  },
  options: AuditMigrationOptions = {},
): Promise<void> => {
  const sql = `BEGIN;\nSELECT pg_advisory_xact_lock(hashtextextended('cs-audit:migrate', 0));\n${auditMigrationSql(options)}\nCOMMIT;`;
  // PGlite runs a multi-statement string with exec(); pg runs it as one simple query on one
  // client (of the pool), which must be rolled back on failure before it goes back to the pool.
  if (db.exec) {
    try {
      await db.exec(sql);
    } catch (e) {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return;
  }
  const client = db.connect ? await db.connect() : undefined;
  const c = client ?? db;
  try {
    await c.query(sql);
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client?.release();
  }
};
