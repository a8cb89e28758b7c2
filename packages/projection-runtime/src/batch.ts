import type { Position, RecordedEvent } from '@cs/event-store';
import type { RuntimeDatabase } from '@cs/read-model';
import { type Kysely, sql, type Transaction } from 'kysely';
import { describeError, ProjectionError } from './errors.ts';
import { extendHeldLease, holdsLease, type Lease, namesHolder } from './lease.ts';
import { type HelperContext, type Projection, type SettleContext, schemaOf } from './projection.ts';

const status = 'projection_runtime.projection_status' as const;

/** Lag figures written with a batch. */
export type Lag = { eventsBehind: number; secondsBehind: number };

const fenced = (lease: Lease, why: string): ProjectionError =>
  new ProjectionError('fenced', `${lease.name} v${lease.version}: ${why}; ${lease.owner} (epoch ${lease.epoch}) must step down`, {
    name: lease.name,
    version: lease.version,
    owner: lease.owner,
    epoch: lease.epoch,
  });

/** A fenced transaction that ran this long gives its lease back the time it had left when it began (`extendHeldLease`). */
const LONG_TRANSACTION_MS = 100;

/** Opens the fenced batch transaction: lease row locked and checked, search_path on the projection's schema. */
const fencedTransaction = async <T>(
  db: Kysely<RuntimeDatabase>,
  lease: Lease,
  schema: string,
  body: (trx: Transaction<RuntimeDatabase>) => Promise<T>,
): Promise<T> =>
  db.transaction().execute(async (trx) => {
    // One round trip: the lease row locked and checked (as `holdsLease`), and the search_path set.
    if (!(await holdsLease(trx, lease, `${schema}, public`))) throw fenced(lease, 'the lease is no longer held');
    const started = performance.now();
    const result = await body(trx);
    if (performance.now() - started >= LONG_TRANSACTION_MS) await extendHeldLease(trx, lease);
    return result;
  });

const checkOrder = (from: Position, events: readonly RecordedEvent[]): Position => {
  let last = from;
  for (const e of events) {
    if (!(e.position > last)) {
      throw new ProjectionError('invalid_position', `event ${e.id} at position ${e.position} does not follow ${last}`, { position: e.position, after: last });
    }
    last = e.position;
  }
  return last;
};

/** Inside a batch transaction: whether the version serves the views; locks its status row (`promote` waits for the batch). */
const serves = async (trx: Transaction<RuntimeDatabase>, projection: Projection): Promise<boolean> => {
  const row = await trx
    .selectFrom(status)
    .select('serving')
    .where('name', '=', projection.name)
    .where('version', '=', projection.version)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row?.serving === true;
};

/**
 * Applies one batch in ONE transaction: locks and checks the lease (owner, epoch, not
 * expired), runs `projection.handle` on the events of its types (`replaying` is passed on
 * in its context), and moves the checkpoint
 * from `from` to `to` (the end of the page the events came from; default the last event's
 * position) with compare-and-set. Any failure rolls all of it
 * back: `fenced` (lease lost or checkpoint moved by someone else), `handler_failed` (the
 * handler threw; `cause` is its error), `invalid_position` (events out of order).
 *
 * @example
 * const checkpoint = await applyBatch(db, { projection, lease, from: status.checkpoint, events });
 */
export const applyBatch = async (
  db: Kysely<RuntimeDatabase>,
  args: { projection: Projection; lease: Lease; from: Position; to?: Position; events: readonly RecordedEvent[]; lag?: Lag; replaying?: boolean },
): Promise<Position> => {
  const { projection, lease, from, events, lag } = args;
  const replaying = args.replaying ?? false;
  const lastEvent = checkOrder(from, events);
  // `to`: the end of the page the events came from (a page read with the projection's types
  // may end in events of other types, which move the checkpoint on as well).
  const to = args.to ?? lastEvent;
  if (to < lastEvent) throw new ProjectionError('invalid_position', `the batch ends at ${to}, before its last event at ${lastEvent}`, { position: lastEvent, after: to });
  if (to === from) return from;
  const last = to;
  const types = new Set(projection.eventTypes);
  const relevant = events.filter((e) => types.has(e.type));
  const schema = schemaOf(projection);
  return fencedTransaction(db, lease, schema, async (trx) => {
    if (relevant.length > 0) {
      // A version that serves is never replaying, whatever the caller last knew: an operator's
      // `promote` may have switched the views to it since. The status row stays locked to the
      // commit, so a promotion either comes after this batch (and its settle covers the batch's
      // deferred work) or before it (and the batch is applied live).
      const deferring = replaying && !(await serves(trx, projection));
      try {
        await projection.handle(relevant, { db: trx.withSchema(schema) as Transaction<any>, trx, schema, name: projection.name, version: projection.version, replaying: deferring });
      } catch (e) {
        throw new ProjectionError('handler_failed', `${projection.name} v${projection.version}: ${describeError(e)}`, { from, to: last }, { cause: e });
      }
    }
    const result = await trx
      .updateTable(status)
      .set({
        checkpoint: last,
        events_handled: sql<string>`events_handled + ${relevant.length}`,
        // A batch that commits clears what a failed leader recorded (`writeLastError`).
        last_error: null,
        updated_at: sql<Date>`now()`,
        ...(lag ? { events_behind: lag.eventsBehind, seconds_behind: lag.secondsBehind } : {}),
      })
      .where('name', '=', projection.name)
      .where('version', '=', projection.version)
      .where('checkpoint', '=', from)
      .where('state', '<>', 'stopped')
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) throw fenced(lease, `the checkpoint is no longer ${JSON.stringify(from)} (or the projection was stopped)`);
    return last;
  });
};

/**
 * Runs the projection's `settle` (if any) in one fenced transaction: what `handle` deferred
 * while replaying is completed before anyone reads the version as caught up. With `helpers`
 * > 0 the settle may run up to that many helper transactions at once on other connections
 * of the pool (see `SettleContext.helper`); the pool must have room for them besides the
 * settle's own connection and the lease renewal's.
 *
 * @example
 * await settleBatch(db, { projection, lease, helpers: 2 });
 */
export const settleBatch = async (db: Kysely<RuntimeDatabase>, args: { projection: Projection; lease: Lease; helpers?: number }): Promise<void> => {
  const { projection, lease } = args;
  if (!projection.settle) return;
  const schema = schemaOf(projection);
  const helpers = Math.max(0, Math.floor(args.helpers ?? 0));
  const helper = <T>(body: (ctx: HelperContext) => Promise<T>): Promise<T> =>
    db.transaction().execute(async (trx) => {
      await sql.raw(`SET LOCAL search_path TO ${schema}, public`).execute(trx);
      const result = await body({ db: trx.withSchema(schema) as Transaction<any>, trx });
      // The settle's transaction holds the lease row: it names us unless the settle is gone.
      if (!(await namesHolder(trx, lease))) throw fenced(lease, 'the lease changed hands during the settle');
      return result;
    });
  await fencedTransaction(db, lease, schema, (trx) => runSettle(trx, projection, 'settle', helpers > 0 ? { helper, helpers } : undefined));
};

/**
 * Runs the projection's `settle` (if any) inside `trx`; its failure is `handler_failed`,
 * `when` naming where it ran. `helpers`: see `settleBatch` (none inside `promote`).
 *
 * @example
 * await runSettle(trx, projection, 'settle before promotion');
 */
export const runSettle = async (
  trx: Transaction<any>,
  projection: Projection,
  when: string,
  helpers?: Pick<SettleContext, 'helper' | 'helpers'>,
): Promise<void> => {
  if (!projection.settle) return;
  const schema = schemaOf(projection);
  try {
    await projection.settle({
      db: trx.withSchema(schema) as Transaction<any>,
      trx,
      schema,
      name: projection.name,
      version: projection.version,
      ...(helpers?.helper ? { helper: helpers.helper, helpers: helpers.helpers } : { helpers: 0 }),
    });
  } catch (e) {
    throw new ProjectionError('handler_failed', `${projection.name} v${projection.version}: ${when}: ${describeError(e)}`, { schema }, { cause: e });
  }
};

/** The text kept in a status row's last_error: the cause of a ProjectionError, else the error. */
const errorText = (error: unknown): string => describeError(error instanceof ProjectionError && error.cause !== undefined ? error.cause : error);

/**
 * Records a poison event: the projection version is `stopped` at `from` (the position just
 * before the event), with the error, the event's position and the event itself in its
 * status row. Fenced like a batch.
 *
 * @example
 * await markStopped(db, { projection, lease, from, event, error });
 */
export const markStopped = async (
  db: Kysely<RuntimeDatabase>,
  args: { projection: Projection; lease: Lease; from: Position; event: RecordedEvent; error: unknown },
): Promise<void> => {
  const { projection, lease, from, event, error } = args;
  await fencedTransaction(db, lease, schemaOf(projection), async (trx) => {
    const result = await trx
      .updateTable(status)
      .set({
        state: 'stopped',
        last_error: errorText(error),
        error_position: event.position,
        error_event: JSON.stringify(event),
        updated_at: sql<Date>`now()`,
      })
      .where('name', '=', projection.name)
      .where('version', '=', projection.version)
      .where('checkpoint', '=', from)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) throw fenced(lease, `the checkpoint is no longer ${JSON.stringify(from)}`);
  });
};

/**
 * Writes lag figures (and nothing else) under the lease; used when idle.
 *
 * @example
 * await writeLag(db, { projection, lease, lag: { eventsBehind: 0, secondsBehind: 0 } });
 */
export const writeLag = async (db: Kysely<RuntimeDatabase>, args: { projection: Projection; lease: Lease; lag: Lag }): Promise<void> => {
  const { projection, lease, lag } = args;
  await fencedTransaction(db, lease, schemaOf(projection), async (trx) => {
    await trx
      .updateTable(status)
      .set({ events_behind: lag.eventsBehind, seconds_behind: lag.secondsBehind, updated_at: sql<Date>`now()` })
      .where('name', '=', projection.name)
      .where('version', '=', projection.version)
      .execute();
  });
};

/**
 * Writes, under the lease, why the leader of a version that is not stopped steps down (a
 * failure outside a poison event: a settle, a migration, the event store, a transient error;
 * it retries after a lease period, for ever, and its status says why), or clears it with
 * `error: null` (a version caught up after a failure, with no batch to apply). The next batch
 * that commits clears it too. A stopped version keeps its poison event's error.
 *
 * @example
 * await writeLastError(db, { projection, lease, error });
 */
export const writeLastError = async (db: Kysely<RuntimeDatabase>, args: { projection: Projection; lease: Lease; error: unknown }): Promise<void> => {
  const { projection, lease, error } = args;
  await fencedTransaction(db, lease, schemaOf(projection), async (trx) => {
    await trx
      .updateTable(status)
      .set({ last_error: error === null ? null : errorText(error), updated_at: sql<Date>`now()` })
      .where('name', '=', projection.name)
      .where('version', '=', projection.version)
      .where('state', '<>', 'stopped')
      .execute();
  });
};
