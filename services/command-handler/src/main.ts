// The command handler: NATS requests in, decided events out. Composition root only.
import { jetStreamAnchors } from '@cs/audit';
import { aggregates } from '@cs/domain';
import { createEventStoreDbEventStore, createPgliteEventStore, createPostgresEventStore, openPgliteDataDir, type EventStore } from '@cs/event-store';
import { connectNats } from '@cs/messaging';
import { pino } from 'pino';
import { startWritePath } from './write-path.ts';
import { readEnv, type CommandHandlerEnv } from './env.ts';

const openStore = async (env: CommandHandlerEnv): Promise<EventStore> => {
  switch (env.EVENT_STORE) {
    case 'postgres':
      return createPostgresEventStore({
        connectionString: env.DATABASE_URL!,
        max: env.PG_POOL_MAX,
        groupCommit: env.APPEND_MAX_IN_FLIGHT === 0 ? false : { maxInFlight: env.APPEND_MAX_IN_FLIGHT },
      });
    case 'eventstoredb':
      return createEventStoreDbEventStore({ connectionString: env.EVENTSTORE_URL! });
    case 'pglite': {
      // PGlite is single-process: a data directory another process has open is refused
      // (DataDirInUseError); the lock goes when this process exits.
      return createPgliteEventStore((await openPgliteDataDir(`${env.CS_DATA_DIR}/pglite`)).pglite);
    }
  }
};

const main = async () => {
  const env = readEnv(process.env);
  const log = pino({ name: 'cs-command-handler', level: env.LOG_LEVEL });
  const store = await openStore(env);
  const nc = await connectNats(env.nats, log);
  const anchoring = env.AUDIT_HMAC_KEY ? { sink: await jetStreamAnchors(nc), key: env.AUDIT_HMAC_KEY } : undefined;
  if (!anchoring) log.warn('AUDIT_HMAC_KEY is not set: stream heads are not anchored for auditors');
  const writePath = await startWritePath({
    nc,
    store,
    aggregates,
    log,
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
    maxAttempts: env.MAX_ATTEMPTS,
    snapshotEvery: env.SNAPSHOT_EVERY,
    stateCacheSize: env.STATE_CACHE_SIZE,
    assumeNewStreams: env.ASSUME_NEW_STREAMS,
    maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
    maxInFlight: env.MAX_IN_FLIGHT,
    reconcile: { everyMs: env.RECONCILE_EVERY_MS, graceMs: env.RECONCILE_GRACE_MS },
    ...(env.CS_SUBJECT_PREFIX ? { subjectPrefix: env.CS_SUBJECT_PREFIX } : {}),
    ...(anchoring ? { anchoring } : {}),
  });
  log.info({ store: store.kind, anchoring: Boolean(anchoring) }, 'command handler ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    await writePath.stop();
    await nc.drain();
    await store.close();
    process.exit(0);
  };
  // nats.js closes the connection for good (whatever the reconnect policy) after, e.g., two
  // authorization violations in a row on reconnecting; then nothing serves commands any more and
  // the process would end by itself with code 0. Exit non-zero so a supervisor restarts it.
  void nc.closed().then((err) => {
    if (stopping) return;
    log.fatal({ err }, 'NATS connection closed: no commands can be served, exiting');
    process.exit(1);
  });
  // nats.js stops the command service for good when NATS refuses one of its subscriptions, e.g.
  // on reconnecting to a server whose permissions changed; the connection itself stays open.
  void writePath.service.service.stopped.then((err) => {
    if (stopping) return;
    log.fatal({ err }, 'the command service stopped: no commands can be served, exiting');
    process.exit(1);
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
};

main().catch((err: unknown) => {
  console.error(`command handler failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
