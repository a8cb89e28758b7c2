import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createEventStoreDbEventStore, createPgliteEventStore, createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createProjectionRuntime, type Logger, type Projection } from '@cs/projection-runtime';
import { createReadModelDatabase } from '@cs/read-model';
import type { ProjectorEnv } from './env.ts';

const openStore = async (env: ProjectorEnv): Promise<EventStore> => {
  switch (env.EVENT_STORE) {
    case 'postgres':
      return createPostgresEventStore({ connectionString: env.EVENT_STORE_URL ?? env.DATABASE_URL, max: 4 });
    case 'pglite': {
      // PGlite is single-process: only meaningful when nothing else has the data directory open.
      mkdirSync(env.CS_DATA_DIR, { recursive: true });
      return createPgliteEventStore(await PGlite.create(`${env.CS_DATA_DIR}/pglite`));
    }
    case 'eventstoredb':
      return createEventStoreDbEventStore({ connectionString: env.EVENTSTORE_URL! });
  }
};

/** A running projector: `stop()` finishes the batches in flight, releases the leases, closes connections. */
export type Projector = { stop: () => Promise<void>; done: Promise<void> };

/**
 * Wires the event store, the read-model database and the runtime for a list of projections.
 *
 * @example
 * const projector = await startProjector(readEnv(process.env), projections, pino());
 * process.on('SIGTERM', () => void projector.stop());
 */
export const startProjector = async (env: ProjectorEnv, projections: readonly Projection[], logger: Logger): Promise<Projector> => {
  const store = await openStore(env);
  const db = createReadModelDatabase<any>({
    kind: 'postgres',
    url: env.DATABASE_URL,
    // Per projection: a batch or settle, its settle helpers, the lease renewal; and the lag probe.
    max: Math.max(4, projections.length * (2 + env.PROJECTOR_SETTLE_HELPERS) + 2),
    applicationName: 'cs-projector',
    onIdleError: (e) => logger.warn({ err: e.message }, 'read-model connection lost'),
  });
  const runtime = createProjectionRuntime({
    db,
    store,
    projections,
    batchSize: env.PROJECTOR_BATCH_SIZE,
    catchUpBatchSize: env.PROJECTOR_CATCH_UP_BATCH_SIZE,
    settleHelpers: env.PROJECTOR_SETTLE_HELPERS,
    leaseMs: env.PROJECTOR_LEASE_MS,
    pollMs: env.PROJECTOR_POLL_MS,
    autoPromote: env.PROJECTOR_AUTO_PROMOTE,
    logger,
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await runtime.stop();
      await store.close();
      await db.destroy();
    })());
  return { stop, done: runtime.done };
};
