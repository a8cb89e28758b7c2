import { createEventStoreDbEventStore, createPgliteEventStore, createPostgresEventStore, openPgliteDataDir, type EventStore } from '@cs/event-store';
import { createProjectionRuntime, type Logger, type Projection } from '@cs/projection-runtime';
import { createReadModelDatabase } from '@cs/read-model';
import type { ProjectorEnv } from './env.ts';

const openStore = async (env: ProjectorEnv): Promise<EventStore> => {
  switch (env.EVENT_STORE) {
    case 'postgres':
      return createPostgresEventStore({ connectionString: env.EVENT_STORE_URL ?? env.DATABASE_URL, max: 4 });
    case 'pglite': {
      // PGlite is single-process: a data directory another process has open is refused
      // (DataDirInUseError); the lock goes when this process exits.
      return createPgliteEventStore((await openPgliteDataDir(`${env.CS_DATA_DIR}/pglite`)).pglite);
    }
    case 'eventstoredb':
      return createEventStoreDbEventStore({ connectionString: env.EVENTSTORE_URL! });
  }
};

/** How long the databases may take to answer at start before the projector gives up. */
const START_TIMEOUT_MS = 10_000;

/** `work`, or an error naming `variable` when it fails or does not finish within START_TIMEOUT_MS. */
const atStart = async <T>(variable: string, what: string, work: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${variable}: the ${what} did not answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, late]);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.startsWith(`${variable}: `) ? message : `${variable}: ${what}: ${message}`, { cause: e });
  } finally {
    clearTimeout(timer);
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
  // PGlite is local (no server to wait for, and a large data directory may take a while to open).
  const store =
    env.EVENT_STORE === 'pglite'
      ? await openStore(env)
      : await atStart(env.EVENT_STORE === 'eventstoredb' ? 'EVENTSTORE_URL' : env.EVENT_STORE_URL ? 'EVENT_STORE_URL' : 'DATABASE_URL', 'event store', openStore(env));
  const db = createReadModelDatabase<any>({
    kind: 'postgres',
    url: env.DATABASE_URL,
    // Per projection: a batch or settle, its settle helpers, the lease renewal; and the lag probe.
    max: Math.max(4, projections.length * (2 + env.PROJECTOR_SETTLE_HELPERS) + 2),
    applicationName: 'cs-projector',
    onIdleError: (e) => logger.warn({ err: e.message }, 'read-model connection lost'),
  });
  // A read model that is missing or does not answer is a start failure (exit 1), not a
  // projector that says it runs while its runtime retries for ever.
  try {
    await atStart('DATABASE_URL', 'read-model database', db.selectNoFrom((eb) => eb.lit(1).as('one')).execute());
  } catch (e) {
    void db.destroy().catch(() => undefined);
    void store.close().catch(() => undefined);
    throw e;
  }
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
