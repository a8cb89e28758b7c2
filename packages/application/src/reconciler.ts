import { createHash } from 'node:crypto';
import { streamName } from '@cs/domain';
import { START, type EventStore, type Position } from '@cs/event-store';
import type { AnyAggregate, CommandHandler, Logger } from './command-handler.ts';
import type { CommandReply } from './reply.ts';

/** What one reconciler run found and did. */
export type ReconcileReport = {
  /** Events this run covered in the store (appended since the reconciler's previous run). */
  scanned: number;
  /** Credit reservations still open after the grace period whose order shows no acceptance. */
  danglingCredit: number;
  /** Orders whose acceptance the reconciler completed. */
  accepted: string[];
  /** Credit reservations it released (reservation ids). */
  creditReleased: string[];
  /** Return reservations it released (`orderId/returnId`). */
  returnsReleased: string[];
  /** Commands it sent that were refused or failed, with their reply codes. */
  failed: { commandId: string; code: string }[];
};

export type ReconcileOptions = {
  /** Only reservations recorded longer ago than this are touched (the grace period). */
  olderThanMs: number;
  /** The server clock (ms since epoch). */
  now?: () => number;
  /** The acting service recorded on the commands it sends. Default `credit-reconciler`. */
  service?: string;
  log?: Logger;
};

/** An open reservation; `version`: its reserving event's version on its stream (a reservation id can be reserved again once released). */
type CreditHold = { customerId: string; reservationId: string; version: number; occurredAt: string; recordedAt: string };
type ReturnHold = { orderId: string; returnId: string; version: number; occurredAt: string; recordedAt: string };

/** The events the reconciler follows: reservations and their releases. */
const RESERVATION_TYPES = ['CreditReserved', 'CreditReleased', 'OrderReturnReserved', 'OrderReturnReleased'];
type OrderView = { status: string; lastStepAt?: string };
type ReturnView = { status: string; lastStepAt?: string };

/** Statuses in which an order holds its credit legitimately (accepted and on). */
const ORDER_PAST_ACCEPTANCE = new Set(['accepted', 'prepared', 'dispatched', 'delivered', 'completed', 'lost']);
const ORDER_AWAITING_ACCEPTANCE = new Set(['placed', 'verified']);

/** Deterministic command ids within the 128-character limit (long ids are hashed). */
const reconcileId = (id: string): string => (id.length <= 128 ? id : `reconcile/${createHash('sha256').update(id).digest('hex')}`);

const later = (a: string, b: string | undefined) => (b !== undefined && Date.parse(b) > Date.parse(a) ? b : a);

/**
 * The reconciler of cross-aggregate reservations (docs/architecture.md "Cross-aggregate
 * rules"): finds credit reservations whose order shows no acceptance and return reservations
 * whose return was never opened or was rejected, older than the grace period, and brings the
 * second stream in line through the handler with deterministic command ids, per reservation
 * event and state of the stream acted on (so two runs, or two instances, have one effect, and a
 * reservation id reserved again, or a changed order, is acted on anew):
 * - order still placed/verified -> `order.accept` (completes the interrupted acceptance);
 * - order rejected, cancelled or missing -> `customer.releaseCredit` (reason rejection / cancellation);
 * - return missing or rejected -> `order.releaseReturn`.
 * A reconciler keeps, between its runs, the reservations still open and the position it has
 * read to: each run reads only the events appended since (of the four reservation types, with
 * no metadata beyond `recordedAt`), not the whole log. Runs of one reconciler never overlap (a
 * run started during another waits for it). Closed reservations are forgotten, so what it holds
 * is the open ones.
 *
 * @example
 * const reconciler = createReservationReconciler(store, handler);
 * const report = await reconciler.run({ olderThanMs: 5 * 60_000 });
 * console.log(report.creditReleased);
 */
export const createReservationReconciler = (store: EventStore, handler: CommandHandler): { run: (options: ReconcileOptions) => Promise<ReconcileReport> } => {
  const credit = new Map<string, CreditHold>();
  const returns = new Map<string, ReturnHold>();
  let after: Position = START;
  let previous: Promise<unknown> = Promise.resolve();

  /** Reads what was appended since the last run into the open holds; returns the events covered. */
  const catchUp = async (): Promise<number> => {
    let scanned = 0;
    for (;;) {
      const page = await store.readAll({ after, limit: 5000, types: RESERVATION_TYPES, metadata: false, chain: false });
      scanned += page.scanned;
      for (const e of page.events) {
        const d = e.data as Record<string, unknown>;
        if (e.type === 'CreditReserved') {
          // 0 fen (a free order, stored before such reservations appended nothing) holds nothing:
          // the account never kept it, so there is nothing to complete or release.
          if ((d.amountFen as number) <= 0) continue;
          const key = `${String(d.customerId)}/${String(d.reservationId)}`;
          credit.set(key, { customerId: String(d.customerId), reservationId: String(d.reservationId), version: e.streamVersion, occurredAt: String(d.occurredAt), recordedAt: e.metadata.recordedAt });
        } else if (e.type === 'CreditReleased' && d.remainingFen === 0) {
          credit.delete(`${String(d.customerId)}/${String(d.reservationId)}`);
        } else if (e.type === 'OrderReturnReserved') {
          const key = `${String(d.orderId)}/${String(d.returnId)}`;
          returns.set(key, { orderId: String(d.orderId), returnId: String(d.returnId), version: e.streamVersion, occurredAt: String(d.occurredAt), recordedAt: e.metadata.recordedAt });
        } else if (e.type === 'OrderReturnReleased') {
          returns.delete(`${String(d.orderId)}/${String(d.returnId)}`);
        }
      }
      if (page.scanned === 0 || page.last === after) break;
      after = page.last;
    }
    return scanned;
  };

  const aggregateOf = (type: string): AnyAggregate => {
    const entry = handler.catalogue.get(type);
    if (!entry) throw new Error(`the handler does not handle ${type}`);
    return entry.aggregate;
  };
  /** The aggregate's state and version (0: no stream). */
  const stateOf = async <S>(aggregate: AnyAggregate, id: string): Promise<{ state: S; version: number }> => {
    const events = await store.readStream(streamName(aggregate.category, id));
    const state = events.reduce((s, e) => aggregate.decider.evolve(s, { type: e.type, data: e.data }), aggregate.decider.initialState()) as S;
    return { state, version: events.at(-1)?.streamVersion ?? 0 };
  };

  const runOnce = async (options: ReconcileOptions): Promise<ReconcileReport> => {
    const now = options.now ?? Date.now;
    const service = options.service ?? 'credit-reconciler';
    const cutoff = now() - options.olderThanMs;
    const scanned = await catchUp();
    const report: ReconcileReport = { scanned, danglingCredit: 0, accepted: [], creditReleased: [], returnsReleased: [], failed: [] };
    const send = async (commandId: string, type: string, payload: Record<string, unknown>): Promise<CommandReply> => {
      const reply = await handler.handle({ commandId: reconcileId(commandId), type, payload, service });
      if (!reply.ok) {
        report.failed.push({ commandId, code: reply.error.code });
        options.log?.warn({ commandId, type, code: reply.error.code, message: reply.error.message }, 'reconciler command refused');
      } else options.log?.info({ commandId, type, eventTypes: reply.eventTypes }, 'reconciler command applied');
      return reply;
    };

    const orderAggregate = aggregateOf('order.accept');
    for (const hold of credit.values()) {
      if (Date.parse(hold.recordedAt) > cutoff) continue;
      const { state: order, version: orderVersion } = await stateOf<OrderView>(orderAggregate, hold.reservationId);
      if (ORDER_PAST_ACCEPTANCE.has(order.status)) continue;
      report.danglingCredit++;
      if (ORDER_AWAITING_ACCEPTANCE.has(order.status)) {
        // Dated no earlier than the order's last step: a reservation left by an acceptance that a
        // later step (e.g. a verification) made too early must still be completable.
        const reply = await send(`reconcile/accept/${hold.reservationId}@${hold.customerId}/${hold.version}/${orderVersion}`, 'order.accept', { orderId: hold.reservationId, occurredAt: later(hold.occurredAt, order.lastStepAt) });
        if (reply.ok) report.accepted.push(hold.reservationId);
        continue;
      }
      const reply = await send(`reconcile/release-credit/${hold.customerId}/${hold.reservationId}@${hold.version}/${orderVersion}`, 'customer.releaseCredit', {
        customerId: hold.customerId,
        reservationId: hold.reservationId,
        reason: order.status === 'cancelled' ? 'cancellation' : 'rejection',
        occurredAt: later(hold.occurredAt, order.lastStepAt),
      });
      if (reply.ok) report.creditReleased.push(hold.reservationId);
    }

    const returnAggregate = aggregateOf('return.request');
    for (const hold of returns.values()) {
      if (Date.parse(hold.recordedAt) > cutoff) continue;
      const { state: ret, version: returnVersion } = await stateOf<ReturnView>(returnAggregate, hold.returnId);
      const unopened = ret.status === 'initial' || ret.status === 'none';
      if (!unopened && ret.status !== 'rejected') continue;
      const reply = await send(`reconcile/release-return/${hold.orderId}/${hold.returnId}@${hold.version}/${returnVersion}`, 'order.releaseReturn', {
        orderId: hold.orderId,
        returnId: hold.returnId,
        reason: unopened ? 'return never opened' : 'return rejected',
        occurredAt: later(hold.occurredAt, ret.lastStepAt),
      });
      if (reply.ok) report.returnsReleased.push(`${hold.orderId}/${hold.returnId}`);
    }
    return report;
  };

  return {
    run: (options) => {
      const run = previous.then(() => runOnce(options));
      previous = run.catch(() => undefined);
      return run;
    },
  };
};

/**
 * One run of a new reconciler (see `createReservationReconciler`): reads the whole log. A
 * service that reconciles periodically keeps one reconciler instead.
 *
 * @example
 * const report = await reconcileReservations(store, handler, { olderThanMs: 5 * 60_000 });
 */
export const reconcileReservations = (store: EventStore, handler: CommandHandler, options: ReconcileOptions): Promise<ReconcileReport> =>
  createReservationReconciler(store, handler).run(options);
