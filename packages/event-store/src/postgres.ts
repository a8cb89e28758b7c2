import pg from 'pg';
import { pgExecutor } from './sql/executor.ts';
import { createSqlEventStore, type SqlEventStore, type SqlEventStoreOptions } from './sql/store.ts';

export type PostgresEventStoreOptions = SqlEventStoreOptions & {
  /** Run the append call as a named prepared statement (default true); false behind a transaction-mode pooler without prepared-statement support. */
  preparedStatements?: boolean;
} & ({ connectionString: string; pool?: undefined; max?: number } | { pool: pg.Pool; connectionString?: undefined });

/**
 * The event store on PostgreSQL (13+). With `connectionString` it owns a pool (closed by
 * `close()`); with `pool` the caller keeps ownership. Migrates its schema on creation.
 *
 * @example
 * const store = await createPostgresEventStore({ connectionString: 'postgres://root@127.0.0.1:5432/cs', schema: 'event_store' });
 */
export const createPostgresEventStore = async (options: PostgresEventStoreOptions): Promise<SqlEventStore> => {
  const owns = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reports it.
  if (owns) pool.on('error', () => undefined);
  try {
    return await createSqlEventStore(pgExecutor(pool, { ownsPool: owns, preparedStatements: options.preparedStatements }), options);
  } catch (e) {
    if (owns) await pool.end().catch(() => undefined);
    throw e;
  }
};
