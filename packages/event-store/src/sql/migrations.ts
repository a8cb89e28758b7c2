import { EventStoreError } from '../errors.ts';
import type { SqlExecutor } from './executor.ts';

/** A versioned schema step; `sql(schema)` receives the quoted schema name. */
export type Migration = { version: number; name: string; sql: (s: string) => string };

/** The event store's schema, in order. Never edit a released step: add a new one. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events, streams, command outcomes, snapshots',
    sql: (s) => `
      CREATE TABLE ${s}.events (
        global_seq bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id uuid NOT NULL,
        stream_id text NOT NULL,
        stream_version int NOT NULL,
        type text NOT NULL,
        schema_version int NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        hash text NOT NULL,
        prev_hash text NOT NULL,
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
      );
      CREATE INDEX events_position_idx ON ${s}.events (transaction_id, global_seq);
      CREATE TABLE ${s}.streams (
        stream_id text PRIMARY KEY,
        version int NOT NULL,
        last_hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.command_outcomes (
        command_id text PRIMARY KEY,
        request_hash text NOT NULL,
        reply jsonb,
        recorded_at text NOT NULL,
        recorded_ts timestamptz NOT NULL
      );
      CREATE INDEX command_outcomes_recorded_ts_idx ON ${s}.command_outcomes (recorded_ts);
      CREATE TABLE ${s}.snapshots (
        stream_id text PRIMARY KEY,
        version int NOT NULL,
        schema_version int NOT NULL,
        state jsonb NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
];

/**
 * Validates and quotes a schema name (lower-case letters, digits, underscore).
 *
 * @example
 * quoteSchema('event_store'); // '"event_store"'
 */
export const quoteSchema = (schema: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new EventStoreError('invalid_event', `invalid schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
  return `"${schema}"`;
};

/**
 * Brings the store's schema up to date: idempotent, one transaction, and safe when several
 * processes start at once (they queue on a transaction-level advisory lock). Returns the
 * versions it applied.
 *
 * @example
 * await migrate(executor, 'event_store'); // [1] the first time, [] afterwards
 */
export const migrate = async (executor: SqlExecutor, schema: string): Promise<number[]> => {
  const s = quoteSchema(schema);
  return executor.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`cs-event-store:migrate:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of m.sql(s).split(';').map((x) => x.trim()).filter(Boolean)) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
};
