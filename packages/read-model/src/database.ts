import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ReadModelError } from './errors.ts';
import { sharedPgliteDialect } from './pglite-dialect.ts';

/** Where the read model lives: a PostgreSQL server (pool) or an in-process PGlite instance. */
export type ReadModelConnection =
  | {
      kind: 'postgres';
      url: string;
      /** Pool size; default 5. */
      max?: number;
      /** Shown in pg_stat_activity (useful to tell projector instances apart). */
      applicationName?: string;
      /** Called when an idle pooled connection dies (e.g. the server terminated it). */
      onIdleError?: (error: Error) => void;
    }
  | {
      kind: 'pglite';
      pglite: PGlite;
      /** Close the PGlite instance when the kysely instance is destroyed; default false (shared instances). */
      closeOnDestroy?: boolean;
    };

/**
 * Creates a kysely database over PostgreSQL (`pg` Pool) or PGlite. PGlite has a single
 * connection: each kysely transaction is one `pglite.transaction()`, so the same instance can
 * also serve the event store (its statements wait until the transaction ends).
 *
 * @example
 * const db = createReadModelDatabase<RuntimeDatabase>({ kind: 'postgres', url: env.DATABASE_URL });
 * await db.destroy();
 */
export const createReadModelDatabase = <DB>(connection: ReadModelConnection): Kysely<DB> => {
  if (connection.kind === 'postgres') {
    if (!/^postgres(ql)?:\/\//.test(connection.url)) {
      throw new ReadModelError('invalid_config', 'the read-model database URL must start with postgres:// or postgresql://');
    }
    const pool = new pg.Pool({
      connectionString: connection.url,
      max: connection.max ?? 5,
      ...(connection.applicationName ? { application_name: connection.applicationName } : {}),
    });
    // A client whose backend was terminated emits 'error'; without a listener that kills the
    // process. The pool listens only while a client is idle, so listen on every client too
    // (a checked-out client between two queries of a transaction); the pool then discards it.
    pool.on('error', (error) => connection.onIdleError?.(error));
    pool.on('connect', (client) => client.on('error', (error) => connection.onIdleError?.(error)));
    return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  const { pglite, closeOnDestroy = false } = connection;
  return new Kysely<DB>({ dialect: sharedPgliteDialect(pglite, { closeOnDestroy }) });
};
