import { createCommandHandler, createReservationReconciler, crossAggregateProcesses, type AnyAggregate, type CommandHandler, type ReconcileReport } from '@cs/application';
import { anchorStreamHead, type AnchorSink } from '@cs/audit';
import type { AppendResult, EventStore } from '@cs/event-store';
import { startCommandService, type CommandService } from '@cs/messaging';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { catalogueOf, handleEnvelope } from './wiring.ts';

export type WritePathOptions = {
  nc: NatsConnection;
  store: EventStore;
  aggregates: readonly AnyAggregate[];
  log: Logger;
  maxFutureSkewMs?: number;
  maxAttempts?: number;
  snapshotEvery?: number;
  /** Streams whose latest state is kept to decide without loading (see `createCommandHandler`). */
  stateCacheSize?: number;
  /** Decide on an unknown stream as on a new one (see `createCommandHandler`). */
  assumeNewStreams?: boolean;
  maxPayloadBytes?: number;
  /** Commands handled at once; one more is answered `unavailable` (see `startCommandService`). */
  maxInFlight?: number;
  /** Subject prefix (tests sharing a NATS server use their own). */
  subjectPrefix?: string;
  /** Signs and publishes each new stream head for auditors (when AUDIT_HMAC_KEY is set). */
  anchoring?: { sink: AnchorSink; key: string };
  /** Runs the reservation reconciler now and then every `everyMs` (0: never). */
  reconcile?: { everyMs: number; graceMs: number };
  /** The server clock (tests). */
  now?: () => number;
};

export type WritePath = {
  handler: CommandHandler;
  service: CommandService;
  /** One reconciler run (also what the timer does). */
  reconcile: (graceMs: number) => Promise<ReconcileReport>;
  /** Stops taking commands, waits for those in flight, stops the reconciler. Leaves nc and store open. */
  stop: () => Promise<void>;
};

/**
 * The command handler's composition: the write path (validate, load, decide, append with the
 * cross-aggregate processes) behind the NATS command service, with stream-head anchoring after
 * each append (failures are logged, never fail the command) and the reservation reconciler.
 *
 * @example
 * const wp = await startWritePath({ nc, store, aggregates, log });
 * // on SIGTERM: await wp.stop(); await nc.drain(); await store.close();
 */
export const startWritePath = async (options: WritePathOptions): Promise<WritePath> => {
  const { nc, store, log } = options;
  const anchoring = options.anchoring;
  const afterAppend = anchoring
    ? async (result: AppendResult) => {
        await anchorStreamHead({ store, sink: anchoring.sink, key: anchoring.key, now: () => new Date().toISOString() }, result.streamId);
      }
    : undefined;
  const handler = createCommandHandler({
    store,
    aggregates: options.aggregates,
    processes: crossAggregateProcesses,
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxFutureSkewMs !== undefined ? { maxFutureSkewMs: options.maxFutureSkewMs } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
    ...(options.stateCacheSize !== undefined ? { stateCacheSize: options.stateCacheSize } : {}),
    ...(options.assumeNewStreams !== undefined ? { assumeNewStreams: options.assumeNewStreams } : {}),
    ...(afterAppend ? { afterAppend } : {}),
  });
  const service = await startCommandService(nc, {
    name: 'cs-command-handler',
    version: '0.1.0',
    description: 'Customer-service commands: validate, decide, append',
    catalogue: catalogueOf(options.aggregates),
    logger: log,
    ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
    ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
    ...(options.subjectPrefix !== undefined ? { subjectPrefix: options.subjectPrefix } : {}),
    handle: (envelope, context) => handleEnvelope(handler, envelope, context.service),
  });

  // One reconciler for the service's life: each run reads only what was appended since the last.
  const reconciler = createReservationReconciler(store, handler);
  const reconcile = (graceMs: number) => reconciler.run({ olderThanMs: graceMs, log, ...(options.now ? { now: options.now } : {}) });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  if (options.reconcile && options.reconcile.everyMs > 0) {
    const { everyMs, graceMs } = options.reconcile;
    // A tick while a run is still going is skipped: the reconciler queues runs, so on a store
    // slower than everyMs they piled up without bound and stop() waited for all of them.
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      running = reconcile(graceMs)
        .then((r) => {
          if (r.danglingCredit > 0 || r.returnsReleased.length > 0 || r.failed.length > 0) log.info({ reconcile: r }, 'reconciler run');
        })
        .catch((err: unknown) => log.error({ err }, 'reconciler run failed'))
        .finally(() => {
          busy = false;
        });
    };
    tick();
    timer = setInterval(tick, everyMs);
    timer.unref();
  }
  return {
    handler,
    service,
    reconcile,
    stop: async () => {
      if (timer) clearInterval(timer);
      await service.stop();
      await running;
    },
  };
};
