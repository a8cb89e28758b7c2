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
  /** Resolves when no stream head is waiting to be anchored (at once without anchoring). */
  anchored: () => Promise<void>;
  /** Stops taking commands, waits for those in flight, the reconciler and the anchoring. Leaves nc and store open. */
  stop: () => Promise<void>;
};

/** Streams waiting for their head's anchor at most; beyond, a head is left to `cs audit anchor`. */
const MAX_ANCHORING_STREAMS = 10_000;

/**
 * Anchors stream heads off the replies' path: a reply never waits for JetStream (a slow
 * acknowledgement held every command on the stream for the publish timeout). One anchoring per
 * stream at a time; appends made meanwhile are covered by one more run when it ends, which signs
 * the head as it is then (the hash chain covers the versions between). Failures are logged and
 * left to the next append or `cs audit anchor`.
 */
const backgroundAnchoring = (anchor: (streamId: string) => Promise<unknown>, log: Logger) => {
  const pending = new Map<string, { again: boolean; done: Promise<void> }>();
  let full = false;
  const run = async (streamId: string, entry: { again: boolean }): Promise<void> => {
    do {
      entry.again = false;
      try {
        await anchor(streamId);
      } catch (err) {
        log.error({ err, streamId }, 'stream head not anchored (cs audit anchor catches up)');
      }
    } while (entry.again);
    pending.delete(streamId);
  };
  return {
    schedule: (streamId: string): void => {
      const entry = pending.get(streamId);
      if (entry) {
        entry.again = true;
        return;
      }
      if (pending.size >= MAX_ANCHORING_STREAMS) {
        if (!full) log.warn({ streams: pending.size }, 'anchoring is behind: heads of further streams are left to cs audit anchor');
        full = true;
        return;
      }
      full = false;
      const created = { again: false, done: Promise.resolve() };
      pending.set(streamId, created);
      created.done = run(streamId, created);
    },
    idle: async (): Promise<void> => {
      while (pending.size > 0) await Promise.all([...pending.values()].map((e) => e.done));
    },
  };
};

/**
 * The command handler's composition: the write path (validate, load, decide, append with the
 * cross-aggregate processes) behind the NATS command service, with stream-head anchoring after
 * each append (in the background: never delays a reply; failures are logged, never fail the command) and the reservation reconciler.
 *
 * @example
 * const wp = await startWritePath({ nc, store, aggregates, log });
 * // on SIGTERM: await wp.stop(); await nc.drain(); await store.close();
 */
export const startWritePath = async (options: WritePathOptions): Promise<WritePath> => {
  const { nc, store, log } = options;
  const anchoring = options.anchoring;
  const anchor = anchoring
    ? backgroundAnchoring(
        (streamId) => anchorStreamHead({ store, sink: anchoring.sink, key: anchoring.key, now: () => new Date().toISOString() }, streamId),
        log,
      )
    : undefined;
  const afterAppend = anchor ? (result: AppendResult) => anchor.schedule(result.streamId) : undefined;
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
    anchored: async () => {
      await anchor?.idle();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await service.stop();
      await running;
      await anchor?.idle();
    },
  };
};
