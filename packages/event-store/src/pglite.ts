import type { PGlite } from '@electric-sql/pglite';
import { pgliteExecutor } from './sql/executor.ts';
import { createSqlEventStore, type SqlEventStore, type SqlEventStoreOptions } from './sql/store.ts';

/**
 * The event store on PGlite (embedded PostgreSQL, one connection: appends serialise). The
 * caller owns the instance; `close()` leaves it open. Migrates its schema on creation.
 *
 * @example
 * const store = await createPgliteEventStore(await PGlite.create(), { schema: 'event_store' });
 */
export const createPgliteEventStore = (db: PGlite, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> =>
  createSqlEventStore(pgliteExecutor(db), options);
