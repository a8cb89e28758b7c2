import { hostname } from 'node:os';
import type { EventStore, Position, ReadAllResult, RecordedEvent } from '@cs/event-store';
import { migrateRuntime, migrateSchema, type RuntimeDatabase } from '@cs/read-model';
import type { Kysely } from 'kysely';
import { applyBatch, type Lag, markStopped, settleBatch, writeLag, writeLastError } from './batch.ts';
import { describeError, isStatementTimeout, isTransient, ProjectionError } from './errors.ts';
import { acquireLease, type Lease, releaseLease, renewLease } from './lease.ts';
import { type Logger, silentLogger } from './logger.ts';
import { promote } from './operations.ts';
import { defineProjection, type Projection, schemaOf } from './projection.ts';
import { ensureStatus, type ProjectionStatus, readStatus, servingVersion } from './status.ts';

/** Tuning and wiring of a runtime; only `db`, `store` and `projections` are required. */
export type RuntimeOptions = {
  /** The read-model database (checkpoints, leases, status and the projections' tables). */
  db: Kysely<any>;
  store: EventStore;
  projections: readonly Projection[];
  /** Unique per process; default `${hostname}-${pid}-${random}`. */
  owner?: string;
  /** Events read per batch (one transaction each) when live; default 500. */
  batchSize?: number;
  /**
   * Events read per batch while behind (the previous page was full): larger batches spread
   * the per-batch cost (transaction, lease check, checkpoint, totals) over more events during
   * catch-up and rebuilds; default 5 000 (at least `batchSize`).
   */
  catchUpBatchSize?: number;
  /**
   * Tell `handle` it is `replaying` (so it may defer work until `settle`) while a version that
   * does not serve the views is far behind; default true. False: every batch is applied as if
   * live (e.g. to test that both ways give the same tables).
   */
  deferWhileReplaying?: boolean;
  /**
   * Helper transactions a projection's `settle` may run at once on other connections of
   * `db`'s pool (see `SettleContext.helper`); default 0 (PGlite has one connection). Give the
   * pool room for them: per projection that may settle at once, 1 + settleHelpers + 1 (the
   * lease renewal waits behind the settle).
   */
  settleHelpers?: number;
  /** Lease duration; renewed every third of it; default 10 000 ms. */
  leaseMs?: number;
  /** Idle poll for new events and for a stopped projection's status; default 250 ms. */
  pollMs?: number;
  /** How often a standby tries the lease; default min(1000, leaseMs / 2). */
  standbyPollMs?: number;
  /** Switch the analytics views to a version once it has caught up; default true. */
  autoPromote?: boolean;
  /** Lag is probed at most this often (reads up to `lagProbeLimit` events); default 2 000 ms. */
  lagProbeMs?: number;
  /** Cap of the events-behind figure; default 10 000. */
  lagProbeLimit?: number;
  logger?: Logger;
  /** The clock for seconds-behind; default the system clock. */
  now?: () => Date;
};

/** A running runtime: `stop()` finishes the batch in flight, releases the leases and resolves. */
export type ProjectionRuntime = {
  /** Resolves once every projection loop has ended (after `stop()`). */
  readonly done: Promise<void>;
  stop: () => Promise<void>;
  /** Which projection versions this process currently leads (`name@version`). */
  leading: () => string[];
  /** Resolves when every projection has read up to the store's end once (tests, rebuilds). */
  caughtUp: () => Promise<void>;
};

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

type Loop = { key: string; done: Promise<void>; leading: () => boolean; caughtUp: Promise<void> };

/**
 * Starts one loop per projection: each loop competes for its version's lease (standby until
 * it gets it), migrates the version's schema, and as leader reads `readAll` from the
 * checkpoint in batches, each applied in ONE fenced transaction with the new checkpoint.
 * A handler that throws on an event stops that projection (status `stopped`, position and
 * error recorded and logged) until an operator dead-letters or resumes it. A batch that
 * exceeds the read model's statement_timeout is retried over the same range in batches half
 * its size (down to one event, which then fails like any transient error), growing back as
 * batches commit. A non-serving version is promoted (analytics views switched) once caught
 * up, if `autoPromote`.
 *
 * @example
 * const runtime = createProjectionRuntime({ db, store, projections: [countsProjection], logger: pino() });
 * process.on('SIGTERM', () => runtime.stop());
 */
export const createProjectionRuntime = (options: RuntimeOptions): ProjectionRuntime => {
  const owner = options.owner ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const projections = options.projections.map((p) => defineProjection(p));
  const keys = new Set<string>();
  for (const p of projections) {
    const key = `${p.name}@${p.version}`;
    if (keys.has(key)) throw new ProjectionError('invalid_projection', `projection ${key} is listed twice`);
    keys.add(key);
  }
  const abort = new AbortController();
  const logger = options.logger ?? silentLogger;
  const db = options.db as Kysely<RuntimeDatabase>;
  const runtimeReady = (async () => {
    for (;;) {
      try {
        await migrateRuntime(options.db);
        return;
      } catch (e) {
        if (abort.signal.aborted) return;
        logger.error({ err: describeError(e) }, 'projection runtime: migrating the runtime tables failed; retrying');
        await sleep(1000, abort.signal);
      }
    }
  })();
  const loops = projections.map((projection) =>
    runLoop({ ...options, db, owner, projection, logger, signal: abort.signal, ready: runtimeReady }),
  );
  const done = Promise.all(loops.map((l) => l.done)).then(() => undefined);
  return {
    done,
    stop: async () => {
      abort.abort();
      await done;
    },
    leading: () => loops.filter((l) => l.leading()).map((l) => l.key),
    caughtUp: () => Promise.all(loops.map((l) => l.caughtUp)).then(() => undefined),
  };
};

const runLoop = (
  args: Omit<RuntimeOptions, 'projections' | 'db'> & {
    db: Kysely<RuntimeDatabase>;
    owner: string;
    projection: Projection;
    logger: Logger;
    signal: AbortSignal;
    ready: Promise<void>;
  },
): Loop => {
  const { db, store, projection, owner, logger, signal } = args;
  const batchSize = args.batchSize ?? 500;
  const catchUpBatchSize = Math.max(batchSize, args.catchUpBatchSize ?? 5000);
  const deferWhileReplaying = args.deferWhileReplaying ?? true;
  const settleHelpers = args.settleHelpers ?? 0;
  const leaseMs = args.leaseMs ?? 10_000;
  const pollMs = args.pollMs ?? 250;
  const standbyPollMs = args.standbyPollMs ?? Math.min(1000, Math.max(10, Math.floor(leaseMs / 2)));
  const autoPromote = args.autoPromote ?? true;
  const lagProbeMs = args.lagProbeMs ?? 2000;
  const lagProbeLimit = args.lagProbeLimit ?? 10_000;
  const now = args.now ?? (() => new Date());
  const name = projection.name;
  const version = projection.version;
  const log = { projection: name, version, owner };
  let current: Lease | undefined;
  let lost = false;
  // After a batch exceeded the read model's statement_timeout: the most events a page may
  // cover, halved on each timeout and grown back by a quarter with each batch that commits.
  // Kept across this process's terms as leader (a step-down does not start it over at 5 000).
  let cap = Infinity;
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });

  const probeLag = async (after: Position): Promise<Lag> => {
    const { events } = await store.readAll({ after, limit: lagProbeLimit });
    const first = events[0];
    const seconds = first ? Math.max(0, (now().getTime() - Date.parse(first.metadata.recordedAt)) / 1000) : 0;
    return { eventsBehind: events.length, secondsBehind: Number.isFinite(seconds) ? seconds : 0 };
  };

  /** Re-runs a failed batch one event at a time to find the poison event; stops the projection on it. */
  const isolate = async (lease: Lease, from: Position, events: readonly RecordedEvent[], replaying: boolean): Promise<Position> => {
    let checkpoint = from;
    for (const event of events) {
      try {
        checkpoint = await applyBatch(db, { projection, lease, from: checkpoint, events: [event], replaying });
      } catch (e) {
        if (!(e instanceof ProjectionError && e.code === 'handler_failed') || isTransient(e)) throw e;
        await markStopped(db, { projection, lease, from: checkpoint, event, error: e });
        logger.error(
          { ...log, position: event.position, eventId: event.id, eventType: event.type, streamId: event.streamId, err: describeError(e.cause ?? e) },
          'projection stopped on a poison event: dead-letter it or resume after a fix',
        );
        return checkpoint;
      }
    }
    return checkpoint;
  };

  const lead = async (lease: Lease): Promise<void> => {
    await migrateSchema(db, schemaOf(projection), projection.migrations);
    let status: ProjectionStatus = await ensureStatus(db, projection);
    let checkpoint = status.checkpoint;
    let lastProbe = 0;
    let lag: Lag = { eventsBehind: status.eventsBehind, secondsBehind: status.secondsBehind };
    // Behind: read catch-up sized pages, and read the next page while this one is applied.
    let limit = Math.min(batchSize, cap);
    let ahead: { after: Position; limit: number; page: Promise<ReadAllResult> } | undefined;
    // Whether this version has reached the end of the store since it took the lease, and
    // whether a replaying batch left deferred work for `settle`.
    let reachedEnd = false;
    let unsettled = true;
    // Whether this leader has applied a replaying batch that no settle has covered yet: then
    // the page that ends the replay (not full) is applied as replaying too, and settled at once.
    let replayedSinceSettle = false;
    /** Completes what replaying batches deferred (see `settleBatch`): nothing is deferred afterwards. */
    const settle = async (): Promise<void> => {
      await settleBatch(db, { projection, lease, helpers: settleHelpers });
      unsettled = false;
      replayedSinceSettle = false;
    };
    const dropAhead = () => {
      // A read ahead that nobody awaits must not surface as an unhandled rejection.
      ahead?.page.catch(() => undefined);
      ahead = undefined;
    };
    // Only the projection's event types are sent and parsed; a page still covers `n` events.
    const readPage = (after: Position, n: number): Promise<ReadAllResult> => store.readAll({ after, limit: n, types: projection.eventTypes, metadata: projection.readsMetadata ?? true, chain: projection.readsChain ?? true });
    const read = (after: Position, n: number): Promise<ReadAllResult> => {
      if (ahead && ahead.after === after && ahead.limit === n) {
        const { page } = ahead;
        ahead = undefined;
        return page;
      }
      dropAhead();
      return readPage(after, n);
    };
    try {
      while (!signal.aborted) {
        if (lost) throw new ProjectionError('fenced', `${name} v${version}: lease renewal failed`);
        if (status.state === 'stopped') {
          dropAhead();
          await sleep(pollMs, signal);
          status = (await readStatus(db, name, version)) ?? status;
          checkpoint = status.checkpoint;
          continue;
        }
        const page = await read(checkpoint, limit);
        const { events } = page;
        if (page.scanned === 0) {
          limit = Math.min(batchSize, cap);
          if (unsettled) await settle();
          reachedEnd = true;
          if (lag.eventsBehind !== 0 || lag.secondsBehind !== 0) {
            lag = { eventsBehind: 0, secondsBehind: 0 };
            await writeLag(db, { projection, lease, lag });
          }
          // Only forward: an older version never takes the views back from a newer one.
          if (autoPromote && !status.serving && ((await servingVersion(db, name)) ?? 0) < version) {
            await promote(db, projection, { lease });
            logger.info({ ...log, checkpoint }, 'projection caught up and promoted: analytics views switched');
          }
          // Caught up again after a failed leader recorded its error, with no batch to clear it.
          if (status.lastError !== null) await writeLastError(db, { projection, lease, error: null });
          markCaughtUp();
          await sleep(pollMs, signal);
          status = (await readStatus(db, name, version)) ?? status;
          if (status.checkpoint !== checkpoint) throw new ProjectionError('fenced', `${name} v${version}: checkpoint moved under us`);
          continue;
        }
        // The page's last event, of the projection's types or not: the batch moves the checkpoint there.
        const last = page.last;
        const full = page.scanned >= limit;
        // Replaying: a rebuild far behind, not serving, that has not reached the end yet. The
        // page that ends this leader's replay (not full) is replaying too, and the settle
        // follows it at once: its events are then counted by the settle's recompute instead of
        // being refreshed one subject at a time (about 0.6 s for the last ~2,700 events of a
        // 300,000-event rebuild, against a marginal cost in the set-based recompute).
        const endsReplay = !full && replayedSinceSettle;
        const replaying = deferWhileReplaying && (full || endsReplay) && !reachedEnd && !status.serving;
        if (replaying) unsettled = true;
        else if (unsettled) {
          // Replaying has ended (a page that is not full): settle first, in its own fenced
          // transaction (with helpers), rather than inside this batch's transaction.
          await settle();
        }
        if (!full) lag = { eventsBehind: 0, secondsBehind: 0 };
        else if (Date.now() - lastProbe >= lagProbeMs) {
          lag = await probeLag(last);
          lastProbe = Date.now();
        }
        // Between probes an estimate, but never 0 after a full page: more may follow, and
        // `promote` tells a version that is behind by its events_behind > 0. (The next page that
        // is not full, or the end of the store, sets it to 0.)
        else lag = { eventsBehind: Math.max(1, lag.eventsBehind - page.scanned), secondsBehind: lag.secondsBehind };
        // A shrunk cap grows back by a quarter if this batch commits.
        const grown = cap < catchUpBatchSize ? cap + Math.ceil(cap / 4) : cap;
        limit = Math.min(full ? catchUpBatchSize : batchSize, grown);
        // Read ahead while this batch is applied (a separate connection of the store); the
        // page is used only if the batch moves the checkpoint to `last`.
        if (full) ahead = { after: last, limit, page: readPage(last, limit) };
        try {
          checkpoint = await applyBatch(db, { projection, lease, from: checkpoint, to: last, events, lag, replaying });
          logger.debug({ ...log, checkpoint, events: events.length, replaying, ...lag }, 'batch applied');
          cap = grown;
        } catch (e) {
          dropAhead();
          if (isStatementTimeout(e) && page.scanned > 1) {
            // Too much for one statement_timeout: the same range again, half as many events.
            cap = limit = Math.floor(page.scanned / 2);
            logger.warn(
              { ...log, from: checkpoint, to: last, events: page.scanned, batchSize: limit, err: describeError(e) },
              `batch exceeded the statement timeout; retrying the same range shrunk to ${limit} events`,
            );
            continue;
          }
          if (!(e instanceof ProjectionError && e.code === 'handler_failed') || isTransient(e)) throw e;
          logger.warn({ ...log, from: checkpoint, to: last, err: describeError(e.cause ?? e) }, 'batch failed; replaying it event by event');
          checkpoint = await isolate(lease, checkpoint, events, replaying);
          status = (await readStatus(db, name, version)) ?? status;
        }
        if (replaying) replayedSinceSettle = true;
        if (replaying && !full && status.state !== 'stopped') {
          // The replay's last page: settle now, before anything else is read or applied.
          await settle();
        }
      }
    } finally {
      dropAhead();
    }
  };

  const done = (async () => {
    await args.ready;
    while (!signal.aborted) {
      let lease: Lease | undefined;
      try {
        lease = await acquireLease(db, { name, version, owner, ms: leaseMs });
      } catch (e) {
        logger.warn({ ...log, err: describeError(e) }, 'lease acquisition failed');
      }
      if (!lease) {
        await sleep(standbyPollMs, signal);
        continue;
      }
      current = lease;
      lost = false;
      logger.info({ ...log, epoch: lease.epoch }, 'leading projection');
      const held = lease;
      // One renewal at a time: a renewal waits behind the leader's own long transaction (a
      // settle holds the lease row), and renewals piling up there would take every
      // connection of the pool (the settle's helpers need some).
      let renewing = false;
      const renewal = setInterval(() => {
        if (renewing) return;
        renewing = true;
        renewLease(db, held, leaseMs)
          .then(
            (ok) => {
              if (!ok) lost = true;
            },
            (e: unknown) => logger.warn({ ...log, err: describeError(e) }, 'lease renewal failed'),
          )
          .finally(() => {
            renewing = false;
          });
      }, Math.max(5, Math.floor(leaseMs / 3)));
      let failed = false;
      try {
        await lead(lease);
      } catch (e) {
        failed = true;
        logger.warn({ ...log, epoch: lease.epoch, err: describeError(e), code: (e as { code?: unknown }).code }, 'stepping down');
        // Not another leader's business: say in the status why this one keeps stepping down
        // (still under the lease; best effort, e.g. the read model may be what failed).
        if (!(e instanceof ProjectionError && e.code === 'fenced')) await writeLastError(db, { projection, lease, error: e }).catch(() => undefined);
      } finally {
        clearInterval(renewal);
        current = undefined;
        await releaseLease(db, lease).catch(() => undefined);
      }
      // After a failure give a standby the first chance to take over.
      if (failed) await sleep(leaseMs, signal);
    }
    logger.info(log, 'projection loop stopped');
  })();

  return { key: `${name}@${version}`, done, leading: () => current !== undefined, caughtUp };
};
