// The projector: event store in, read models out. Composition root only.
import { pino } from 'pino';
import { readEnv } from './env.ts';
import { startProjector } from './projector.ts';
import { projections } from './projections.ts';

const main = async () => {
  const env = readEnv(process.env);
  const log = pino({ name: 'cs-projector', level: env.LOG_LEVEL });
  if (projections.length === 0) log.warn('no projections configured (projections/kpi/src/versions.ts, services/projector/src/projections.ts)');
  const projector = await startProjector(env, projections, log);
  log.info({ projections: projections.map((p) => `${p.name}@${p.version}`), store: env.EVENT_STORE }, 'projector running');
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping: finishing the batches in flight');
    // A database that stopped answering would hold the stop for ever (no query has a timeout):
    // exit anyway; a batch cut short is rolled back, and its lease expires for the next leader.
    setTimeout(() => {
      log.error({ timeoutMs: env.PROJECTOR_STOP_TIMEOUT_MS }, 'stop timed out: exiting with work unfinished');
      process.exit(1);
    }, env.PROJECTOR_STOP_TIMEOUT_MS);
    projector.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e instanceof Error ? e.message : String(e) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
};

main().catch((err: unknown) => {
  console.error(`projector failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
