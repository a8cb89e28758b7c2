import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

// Why not kysely-pglite-dialect here: it runs `begin`/`commit` as plain statements, so when the
// same PGlite instance also serves the event store (one connection), the event store's own
// statements and transactions would interleave inside a kysely transaction. This driver maps a
// kysely transaction onto `pglite.transaction()`, which holds PGlite's transaction lock: the
// event store's queries and transactions wait until it ends.

class PgliteConnection implements DatabaseConnection {
  tx: Transaction | undefined;
  finish: ((commit: boolean) => void) | undefined;
  done: Promise<unknown> | undefined;
  constructor(private readonly db: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.tx ?? this.db;
    const result = await target.query<R>(query.sql, query.parameters as unknown[]);
    return result.affectedRows !== undefined && result.affectedRows > 0
      ? { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) }
      : { rows: result.rows };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the embedded database');
  }
}

class PgliteTransactionalDriver implements Driver {
  constructor(
    private readonly db: PGlite,
    private readonly closeOnDestroy: boolean,
  ) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PgliteConnection(this.db);
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as PgliteConnection;
    await new Promise<void>((ready, fail) => {
      conn.done = this.db
        .transaction(async (tx) => {
          conn.tx = tx;
          ready();
          const commit = await new Promise<boolean>((resolve) => (conn.finish = resolve));
          if (!commit) await tx.rollback();
        })
        .catch((e: unknown) => {
          fail(e);
          throw e;
        });
    });
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as PgliteConnection;
    conn.finish?.(true);
    try {
      await conn.done;
    } finally {
      conn.tx = conn.finish = conn.done = undefined;
    }
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as PgliteConnection;
    conn.finish?.(false);
    try {
      await conn.done;
    } catch {
      // The transaction is gone either way.
    } finally {
      conn.tx = conn.finish = conn.done = undefined;
    }
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {
    if (this.closeOnDestroy) await this.db.close();
  }
}

/**
 * A kysely dialect over a PGlite instance that other code (the event store) uses at the same
 * time: each kysely transaction is one `pglite.transaction()`. Destroying the kysely instance
 * leaves PGlite open (its owner closes it) unless `closeOnDestroy`.
 *
 * @example
 * const db = new Kysely<any>({ dialect: sharedPgliteDialect(pglite) });
 */
export const sharedPgliteDialect = (db: PGlite, options: { closeOnDestroy?: boolean } = {}): Dialect => ({
  createAdapter: () => new PostgresAdapter(),
  createDriver: () => new PgliteTransactionalDriver(db, options.closeOnDestroy ?? false),
  createQueryCompiler: () => new PostgresQueryCompiler(),
  createIntrospector: (k: Kysely<unknown>) => new PostgresIntrospector(k),
});
