// Opening the system from the environment, shared by the `cs` commands: where the events are
// (embedded PGlite in the data directory by default, DATABASE_URL -> PostgreSQL,
// EVENTSTORE_URL -> EventStoreDB), the data directory, and NATS.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { createEventStoreDbEventStore, createPgliteEventStore, createPostgresEventStore, DataDirInUseError, openPgliteDataDir, type EventStore } from '@cs/event-store';
import { connectNats, natsConnectionOptionsFromEnv } from '@cs/messaging';
import type { NatsConnection } from 'nats';
import pg from 'pg';
import type { CliEnv } from './env.ts';
import { SystemError } from './errors.ts';

export { SystemError };

/** The repository root (the default data directory is `<root>/.data`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The event store's schema in PostgreSQL and PGlite. */
export const EVENT_STORE_SCHEMA = 'event_store';

/**
 * The data directory: the flag, else $CS_DATA_DIR, else `.data` in the repository.
 *
 * @example
 * const dir = dataDirOf(env, values['data-dir']);
 */
export const dataDirOf = (env: Pick<CliEnv, 'CS_DATA_DIR'>, flag?: string): string => resolve(flag ?? env.CS_DATA_DIR ?? join(repoRoot, '.data'));

/** A SQL database opened from the environment: a PostgreSQL pool or the embedded PGlite. */
export type SqlDatabase =
  | { kind: 'postgres'; pool: pg.Pool; close: () => Promise<void> }
  | { kind: 'pglite'; pglite: PGlite; dir: string; close: () => Promise<void> };

/**
 * Opens the SQL database of the environment WITHOUT touching the event store's tables (an
 * auditor's login may only read the audit views): DATABASE_URL -> a small pool; otherwise the
 * embedded PGlite in `<dataDir>/pglite` (with `mustExist`, a missing one is an error instead
 * of a new empty database). Undefined when the events are in EventStoreDB without DATABASE_URL.
 *
 * @example
 * const db = await openSqlDatabase(env, { dataDir, mustExist: true });
 */
export const openSqlDatabase = async (
  env: CliEnv,
  options: { dataDir: string; mustExist?: boolean; max?: number; applicationName?: string },
): Promise<SqlDatabase | undefined> => {
  if (env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: options.max ?? 2, application_name: options.applicationName ?? 'cs' });
    // an idle client losing its connection must not crash the process; the next query reports it
    pool.on('error', () => undefined);
    return { kind: 'postgres', pool, close: () => pool.end() };
  }
  if (env.EVENTSTORE_URL) return undefined;
  const dir = join(options.dataDir, 'pglite');
  if (options.mustExist && !existsSync(dir)) throw new SystemError(`no embedded database in ${dir}: run \`pnpm start\` first, or set CS_DATA_DIR / DATABASE_URL / EVENTSTORE_URL`, { exitCode: 1 });
  // one process at a time: `cs start` (or a handler) writing to it refuses us, and we it
  const embedded = await openPgliteDataDir(dir).catch((e: unknown) => {
    throw e instanceof DataDirInUseError ? new SystemError(e.message, { exitCode: 1 }) : e;
  });
  return { kind: 'pglite', pglite: embedded.pglite, dir, close: embedded.close };
};

/**
 * Opens the event store of the environment: EVENTSTORE_URL -> EventStoreDB, DATABASE_URL ->
 * PostgreSQL (schema `event_store`) over `db`'s pool, otherwise PGlite over `db`'s instance.
 * Creating a SQL store migrates its schema (needs the owner's rights).
 *
 * @example
 * const db = await openSqlDatabase(env, { dataDir });
 * const { store, mode } = await openEventStore(env, db);
 */
export const openEventStore = async (env: CliEnv, db: SqlDatabase | undefined): Promise<{ store: EventStore; mode: string }> => {
  if (env.EVENTSTORE_URL) return { store: createEventStoreDbEventStore({ connectionString: env.EVENTSTORE_URL }), mode: `EventStoreDB (${redact(env.EVENTSTORE_URL)})` };
  if (!db) throw new SystemError('no event store: set DATABASE_URL or EVENTSTORE_URL, or use the embedded default', { exitCode: 1 });
  if (db.kind === 'postgres') return { store: await createPostgresEventStore({ pool: db.pool, schema: EVENT_STORE_SCHEMA }), mode: `PostgreSQL (${redact(env.DATABASE_URL ?? '')})` };
  return { store: await createPgliteEventStore(db.pglite, { schema: EVENT_STORE_SCHEMA }), mode: `embedded PGlite (${db.dir})` };
};

/**
 * Connects to NATS when NATS_URL is set (credentials and TLS from the NATS_* variables). With
 * `failFast`, an unreachable server is an error at once instead of endless reconnecting (for
 * one-shot commands).
 *
 * @example
 * const nc = await openNats(env, { failFast: true }); // undefined without NATS_URL
 */
export const openNats = async (env: CliEnv, options: { failFast?: boolean } = {}): Promise<NatsConnection | undefined> => {
  if (!env.NATS_URL) return undefined;
  const base = natsConnectionOptionsFromEnv(process.env);
  try {
    return await connectNats(options.failFast ? { ...base, waitOnFirstConnect: false, maxReconnectAttempts: 3 } : base);
  } catch (e) {
    throw new SystemError(`cannot reach NATS at ${env.NATS_URL}: ${(e as Error).message}`, { exitCode: 1 });
  }
};

/** A URL without its password, for messages. */
export const redact = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
