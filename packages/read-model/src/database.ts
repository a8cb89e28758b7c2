import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { ReadModelError } from './errors.ts';

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
 * connection: the dialect serialises transactions, so do not share one PGlite instance
 * between this kysely instance and another writer that opens transactions by hand.
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
  const target: PGlite = closeOnDestroy
    ? pglite
    : (new Proxy(pglite, {
        get(obj, prop, receiver) {
          if (prop === 'close') return async () => undefined;
          const value: unknown = Reflect.get(obj, prop, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
        },
      }) as PGlite);
  return new Kysely<DB>({ dialect: new PGliteDialect(target) });
};
