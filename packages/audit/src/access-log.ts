import { randomUUID } from 'node:crypto';
import type { EventStore } from '@cs/event-store';
/** A thin SQL executor: `pg.Pool`, `pg.Client` and `PGlite` all fit. */
export type SqlExecutor = {
  query: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
};

/** One audit read: who read which complaint, when, through which door. */
export type AccessEntry = {
  /** the person reading (declared by the auditor's tool, e.g. `--reader` or `$USER`) */
  reader: string;
  /** the authenticated principal: the NATS user or the database role */
  principal: string;
  via: 'cli' | 'nats';
  complaintId: string;
  complaintNumber: string | null;
  /** the options of the read (as-of, at, with-order, format) */
  query: Record<string, unknown>;
};

export type LoggedAccess = AccessEntry & { id: number; readAt: string };

/** Where audit reads are logged; a failure to log refuses the read. */
export interface AccessLog {
  record(entry: AccessEntry): Promise<LoggedAccess>;
  list(filter?: { complaintId?: string }): Promise<LoggedAccess[]>;
}

/**
 * An access log in memory (the in-memory store, tests).
 *
 * @example
 * const log = memoryAccessLog(() => new Date().toISOString());
 */
export const memoryAccessLog = (now: () => string): AccessLog => {
  const rows: LoggedAccess[] = [];
  return {
    record: async (entry) => {
      const row = { ...entry, id: rows.length + 1, readAt: now() };
      rows.push(row);
      return { ...row };
    },
    list: async (filter) => rows.filter((r) => !filter?.complaintId || r.complaintId === filter.complaintId).map((r) => ({ ...r })),
  };
};

/**
 * The access log in PostgreSQL / PGlite (`audit.access_log`, written through the
 * `audit.record_access` function so that the `auditor` role can log without any other write
 * right). Apply `auditMigrationSql` first.
 *
 * @example
 * const log = sqlAccessLog(pool);
 * await log.record({ reader: 'li.wei', principal: 'auditor', via: 'cli', complaintId, complaintNumber, query: {} });
 */
export const sqlAccessLog = (db: SqlExecutor): AccessLog => ({
  record: async (e) => {
    const { rows } = await db.query(
      'SELECT id, read_at FROM audit.record_access($1, $2, $3, $4, $5, $6::jsonb)',
      [e.reader, e.principal, e.via, e.complaintId, e.complaintNumber, JSON.stringify(e.query)],
    );
    const r = rows[0] as { id: number | string; read_at: Date | string };
    return { ...e, id: Number(r.id), readAt: new Date(r.read_at).toISOString() };
  },
  list: async (filter) => {
    const { rows } = await db.query(
      `SELECT id, read_at, reader, principal, via, complaint_id, complaint_number, query
         FROM audit.access_log_view WHERE $1::text IS NULL OR complaint_id = $1 ORDER BY id`,
      [filter?.complaintId ?? null],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      readAt: new Date(r.read_at as string).toISOString(),
      reader: String(r.reader),
      principal: String(r.principal),
      via: r.via as 'cli' | 'nats',
      complaintId: String(r.complaint_id),
      complaintNumber: r.complaint_number === null ? null : String(r.complaint_number),
      query: (typeof r.query === 'string' ? JSON.parse(r.query) : r.query) as Record<string, unknown>,
    }));
  },
});

/** The stream the event-store access log writes to. */
export const AUDIT_ACCESS_STREAM = 'AuditAccessLog';

/**
 * The access log as events in the event store itself (stream `AuditAccessLog`, one
 * `AuditRecordAccessed` event per read): for an EventStoreDB without a SQL database. The log is
 * then hash-chained like every stream (and anchored by `anchorStreamHead` when a key is set).
 *
 * @example
 * const log = eventStoreAccessLog(store, () => new Date().toISOString());
 */
export const eventStoreAccessLog = (store: Pick<EventStore, 'append' | 'readStream'>, now: () => string): AccessLog => {
  const toLogged = (e: { streamVersion: number; data: unknown }): LoggedAccess => {
    const d = e.data as AccessEntry & { readAt: string };
    return { reader: d.reader, principal: d.principal, via: d.via, complaintId: d.complaintId, complaintNumber: d.complaintNumber, query: d.query, readAt: d.readAt, id: e.streamVersion };
  };
  return {
    record: async (entry) => {
      const readAt = now();
      const commandId = randomUUID();
      const r = await store.append(
        AUDIT_ACCESS_STREAM,
        [
          {
            type: 'AuditRecordAccessed',
            data: { ...entry, readAt, occurredAt: readAt },
            metadata: { commandId, correlationId: commandId, actor: { service: 'cs-audit', person: entry.reader }, occurredAt: readAt },
          },
        ],
        { expectedVersion: 'any' },
      );
      return toLogged(r.events[0] ?? { streamVersion: r.nextVersion, data: { ...entry, readAt } });
    },
    list: async (filter) =>
      (await store.readStream(AUDIT_ACCESS_STREAM, { raw: true }))
        .map(toLogged)
        .filter((r) => !filter?.complaintId || r.complaintId === filter.complaintId),
  };
};
