// The command handler: NATS requests in, decided events out. Composition root only.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createCommandHandler, crossAggregateProcesses } from '@cs/application';
import { aggregates } from '@cs/domain';
import { createPgliteEventStore, createPostgresEventStore, type EventStore } from '@cs/event-store';
import { connectNats, startCommandService } from '@cs/messaging';
import { pino } from 'pino';
import { catalogueOf, handleEnvelope } from './wiring.ts';
import { readEnv, type CommandHandlerEnv } from './env.ts';

const openStore = async (env: CommandHandlerEnv): Promise<EventStore> => {
  switch (env.EVENT_STORE) {
    case 'postgres':
      return createPostgresEventStore({ connectionString: env.DATABASE_URL!, max: 20 });
    case 'eventstoredb': {
      const { createEsdbEventStore } = await import('@cs/event-store');
      return createEsdbEventStore({ connectionString: env.EVENTSTORE_URL! });
    }
    case 'pglite': {
      mkdirSync(env.CS_DATA_DIR, { recursive: true });
      return createPgliteEventStore(await PGlite.create(`${env.CS_DATA_DIR}/pglite`));
    }
  }
};

const main = async () => {
  const env = readEnv(process.env);
  const log = pino({ name: 'cs-command-handler', level: env.LOG_LEVEL });
  const store = await openStore(env);
  const handler = createCommandHandler({
    store,
    aggregates,
    processes: crossAggregateProcesses,
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
    maxAttempts: env.MAX_ATTEMPTS,
    snapshotEvery: env.SNAPSHOT_EVERY,
    log,
  });
  const nc = await connectNats(env.nats, log);
  const service = await startCommandService(nc, {
    name: 'cs-command-handler',
    version: '0.1.0',
    description: 'Customer-service commands: validate, decide, append',
    catalogue: catalogueOf(aggregates),
    maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
    logger: log,
    handle: (envelope, context) => handleEnvelope(handler, envelope, context.service),
  });
  log.info({ store: store.kind }, 'command handler ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    await service.stop();
    await nc.drain();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
};

main().catch((err: unknown) => {
  console.error(`command handler failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
