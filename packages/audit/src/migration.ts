import type { SqlExecutor } from './access-log.ts';

/** Where the SQL event store keeps its events (see packages/event-store's schema). */
export type EventsTable = { table: string; streamColumn: string };

const ident = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/**
 * The audit schema for the SQL event stores (PostgreSQL, PGlite), idempotent:
 * `audit.access_log` (append-only: a trigger refuses UPDATE and DELETE),
 * `audit.record_access(...)` (SECURITY DEFINER: the one way to write the log),
 * the views `audit.events`, `audit.complaint_events`, `audit.access_log_view`, and the
 * `auditor` role (NOLOGIN; grant it to people's login roles) that may read those views, call
 * `audit.record_access` and nothing else. The anchor key is never stored here.
 *
 * @example
 * await applyAuditMigration(pool, { table: 'es.events', streamColumn: 'stream_id' });
 */
export const auditMigrationSql = (events: EventsTable): string => {
  if (!ident.test(events.table) || !ident.test(events.streamColumn)) throw new Error(`bad identifier in ${JSON.stringify(events)}`);
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

CREATE OR REPLACE VIEW audit.events AS SELECT * FROM ${events.table};
CREATE OR REPLACE VIEW audit.complaint_events AS
  SELECT * FROM ${events.table} WHERE ${events.streamColumn} LIKE 'Complaint-%' OR ${events.streamColumn} LIKE 'ComplaintNumber-%';
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
 * Applies `auditMigrationSql` in one transaction.
 *
 * @example
 * await applyAuditMigration(pool, { table: 'es.events', streamColumn: 'stream_id' });
 */
export const applyAuditMigration = async (db: SqlExecutor & { exec?: (sql: string) => Promise<unknown> }, events: EventsTable): Promise<void> => {
  const sql = `BEGIN;\n${auditMigrationSql(events)}\nCOMMIT;`;
  // pg runs a multi-statement string without parameters as one simple query; PGlite needs exec()
  if (db.exec) await db.exec(sql);
  else await db.query(sql);
};
