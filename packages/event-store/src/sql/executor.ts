import type { PGlite, Transaction } from '@electric-sql/pglite';
import { createHash } from 'node:crypto';
import type pg from 'pg';

const statementNames = new Map<string, string>();
/** A short name per statement text (the server truncates names at 63 bytes; a hash cannot collide there). */
const statementName = (text: string): string => {
  let name = statementNames.get(text);
  if (!name) {
    name = `cs-es-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
};

/** Per-statement hints; an executor may ignore them. */
export type QueryOptions = {
  /**
   * Reuse the server-side parse and plan of this statement on each connection (a named
   * prepared statement): for the hot, fixed statements (the append call). Same text, same name.
   */
  prepare?: boolean;
};

/** The one thing the SQL adapter needs from a driver: run a statement, run a transaction. */
export interface SqlExecutor {
  readonly dialect: 'postgres' | 'pglite';
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  /** Runs `fn` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Pick<SqlExecutor, 'query'>) => Promise<T>): Promise<T>;
  /** LISTEN on a channel (optional): calls `onNotify` per NOTIFY; resolves to an unlisten function. */
  listen?(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * A `SqlExecutor` over a `pg` Pool: statements on any pooled connection, a dedicated client
 * per transaction. `ownsPool` makes `close()` end the pool. Statements marked `prepare` run as
 * named prepared statements unless `preparedStatements` is false (set it false behind a pooler
 * in transaction mode that does not track prepared statements, e.g. PgBouncer before 1.21).
 *
 * @example
 * const executor = pgExecutor(new pg.Pool({ connectionString }), { ownsPool: true });
 */
export const pgExecutor = (pool: pg.Pool, options: { ownsPool?: boolean; preparedStatements?: boolean } = {}): SqlExecutor => ({
  dialect: 'postgres',
  query: async <R,>(text: string, params: readonly unknown[] = [], o?: QueryOptions) =>
    (o?.prepare && options.preparedStatements !== false
      ? await pool.query({ name: statementName(text), text, values: params as unknown[] })
      : await pool.query(text, params as unknown[])
    ).rows as R[],
  transaction: async (fn) => {
    const client = await pool.connect();
    let broken: unknown;
    // The pool listens for 'error' only on idle clients: one the server ends while checked out
    // (terminated, restarted) would crash the process. The statement in flight rejects anyway.
    const onLost = (e: Error): void => {
      broken = e;
    };
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await fn({ query: async <R,>(text: string, params: readonly unknown[] = []) => (await client.query(text, params as unknown[])).rows as R[] });
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      throw e;
    } finally {
      // A connection whose rollback failed (or that was lost) is not returned to the pool.
      client.off('error', onLost);
      client.release(broken instanceof Error ? broken : undefined);
    }
  },
  listen: async (channel, onNotify) => {
    // A dedicated connection held while someone listens; NOTIFY is delivered after commit.
    const client = await pool.connect();
    const handler = (msg: { channel: string }): void => {
      if (msg.channel === channel) onNotify();
    };
    // A LISTEN connection the server ends (terminated, restarted) must not crash the process
    // (the pool listens for 'error' only on idle clients); subscribers go on polling.
    let lost: Error | undefined;
    const onLost = (e: Error): void => {
      lost = e;
    };
    client.on('error', onLost);
    client.on('notification', handler);
    try {
      await client.query(`LISTEN "${channel}"`);
    } catch (e) {
      client.off('notification', handler);
      client.off('error', onLost);
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    return async () => {
      client.off('notification', handler);
      let broken: Error | undefined = lost;
      if (!broken)
        await client.query(`UNLISTEN "${channel}"`).catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
        });
      client.off('error', onLost);
      client.release(broken);
    };
  },
  close: async () => {
    if (options.ownsPool) await pool.end();
  },
});

/**
 * A `SqlExecutor` over a PGlite instance (one connection: transactions serialise).
 * `close()` does not close the instance, which the caller owns.
 *
 * @example
 * const executor = pgliteExecutor(await PGlite.create());
 */
export const pgliteExecutor = (db: PGlite): SqlExecutor => {
  const run = async <R,>(q: PGlite | Transaction, text: string, params: readonly unknown[]): Promise<R[]> =>
    (await q.query<R>(text, params as unknown[])).rows;
  return {
    dialect: 'pglite',
    query: (text, params = []) => run(db, text, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (text, params = []) => run(tx, text, params) })),
    listen: async (channel, onNotify) => {
      const unlisten = await db.listen(channel, () => onNotify());
      return async () => {
        await unlisten();
      };
    },
    close: async () => undefined,
  };
};
