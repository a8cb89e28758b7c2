import { ConcurrencyError, deterministicUuid, DuplicateCommandError } from '@cs/event-store';
import { claimInForce, COMPLAINT_NUMBER_CLAIMED as NUMBER_CLAIMED, COMPLAINT_NUMBER_RELEASED as NUMBER_RELEASED, complaintNumberStream, isDomainError, isStaleClaim, type DomainCommand } from '@cs/domain';
import type { ProcessContext, ProcessHandler, StepResult } from './command-handler.ts';
import { errorReply, type CommandReply } from './reply.ts';

/**
 * The cross-aggregate operations (docs/architecture.md "Cross-aggregate rules"). Each rule is
 * decided on ONE stream with optimistic concurrency; the second stream follows through
 * idempotent steps, so a retry with the same command id completes what a crash interrupted,
 * and a failure of the second step is compensated.
 */

type OrderView = { status?: string; customerId?: string; totalAmountFen?: number };

const creditRefusals = new Set(['credit_limit_exceeded', 'single_order_limit_exceeded', 'account_not_active', 'account_closed', 'not_found']);

const occurredAt = (c: DomainCommand) => (c.data as { occurredAt: string }).occurredAt;

/** Finishes a request with the reply of its last step (kept under the command id). */
const finalReply = async (ctx: ProcessContext, step: StepResult): Promise<CommandReply> =>
  step.kind === 'appended' ? step.reply : ctx.finish(step.reply);

/**
 * order.accept: reserve credit on the customer's account first (decided there, against its own
 * balance, with optimistic concurrency), then accept the order; a refusal becomes
 * OrderRejected{credit_refused}. An acceptance the order decider refuses on the order as loaded
 * reserves nothing. If it refuses after the reservation (the order changed meanwhile), the
 * reservation is released only when the order was rejected or cancelled (see releaseUnlessAccepted).
 */
const acceptOrder: ProcessHandler = async (ctx) => {
  const data = ctx.command.data as { orderId: string; occurredAt: string };
  const { state: order } = await ctx.load<OrderView>(ctx.aggregateOf('order.accept'), data.orderId);
  if (order.status === 'rejected') {
    // A retry after a crash (or a lost connection) between the rejection below and keeping the
    // reply: the refusal this command kept first is the answer, not the order's invalid state.
    const refusal = await ctx.store.findOutcome(refusalId(ctx));
    if (refusal && refusal.requestHash === ctx.requestHash) return ctx.finish(refusalReply(ctx, refusal.reply as CommandReply));
  }
  // Decided on the order as loaded, BEFORE any credit is reserved: an acceptance the order refuses
  // anyway (not placed, past acceptance, a business time before its previous step) reserves
  // nothing, and is not decided again on a later state (which, for an order placed meanwhile,
  // would accept it without credit). The reservation is shared by every acceptance of the order.
  try {
    ctx.aggregateOf('order.accept').decider.decide(ctx.command, order);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    return ctx.finish(errorReply(ctx.request.commandId, e.code, e.message));
  }
  // The order decider accepts placed and verified orders only: both fields are there.
  const { customerId, totalAmountFen } = order as Required<OrderView>;
  const reserve = await ctx.execute(
    {
      type: 'customer.reserveCredit',
      data: { customerId, reservationId: data.orderId, amountFen: totalAmountFen, occurredAt: data.occurredAt },
    },
    { subId: 'reserve-credit' },
  );
  if (reserve.kind === 'rejected') {
    if (!creditRefusals.has(reserve.code)) return ctx.finish(reserve.reply);
    // Kept before the order is rejected, so that a retry finds why it was (see above).
    await ctx.store.saveOutcome({ commandId: refusalId(ctx), requestHash: ctx.requestHash, reply: reserve.reply }).catch((e: unknown) => {
      if (!(e instanceof DuplicateCommandError)) throw e; // kept by an earlier attempt
    });
    const reject = await ctx.execute(
      { type: 'order.reject', data: { orderId: data.orderId, reason: 'credit_refused', detail: reserve.message, occurredAt: data.occurredAt } },
      { subId: 'reject' },
    );
    if (reject.kind === 'rejected') {
      // A concurrent twin of this command (same id) may have rejected the order first: the
      // reply must still be the credit refusal, whichever twin keeps it.
      const { state: now } = await ctx.load<OrderView>(ctx.aggregateOf('order.reject'), data.orderId);
      if (now.status !== 'rejected') return ctx.finish(reject.reply);
    }
    // The order is rejected; the reply tells the sender why, with the credit code.
    return ctx.finish(refusalReply(ctx, reserve.reply));
  }
  // A throw here (store down, crash, an append that may even have been stored) leaves the
  // reservation in place on purpose: a retry with the same command id finds it (reserving the
  // same order again is a no-op) and completes the acceptance; without a retry the credit
  // reconciler completes or releases it. Releasing here would make that retry impossible.
  const accept = await ctx.execute(ctx.command, { final: true });
  if (accept.kind === 'rejected') {
    await releaseUnlessAccepted(ctx, customerId, data.orderId);
    return ctx.finish(accept.reply);
  }
  return finalReply(ctx, accept);
};

/** Where order.accept keeps the credit refusal it acts on, under its own command id. */
const refusalId = (ctx: ProcessContext): string => `${ctx.request.commandId}/credit-refusal`;
/** The reply of an acceptance refused for credit: the credit step's code, saying the order was rejected. */
const refusalReply = (ctx: ProcessContext, refused: CommandReply): CommandReply =>
  refused.ok ? refused : errorReply(ctx.request.commandId, refused.error.code, `order rejected: ${refused.error.message}`);

/**
 * Compensation of a reservation whose acceptance was refused: release it only when the order was
 * rejected or cancelled meanwhile (no acceptance can follow). While the order is still placed or
 * verified, another order.accept (another command id) may have found this reservation (its
 * reserve was a no-op, the reservation id being the order id) and may accept the order after any
 * check made here: releasing would leave that accepted order without credit. The reservation is
 * left to a retry, a later acceptance, the order's rejection or cancellation, or the credit
 * reconciler (which completes the acceptance). An accepted order keeps it, of course.
 */
const releaseUnlessAccepted = async (ctx: ProcessContext, customerId: string, orderId: string) => {
  try {
    const { state } = await ctx.load<OrderView>(ctx.aggregateOf('order.accept'), orderId);
    if (state.status === 'rejected' || state.status === 'cancelled') {
      // The reason says what happened to the order; the sub-command id stays that of earlier versions.
      await releaseQuietly(ctx, customerId, orderId, state.status === 'cancelled' ? 'cancellation' : 'rejection', 'release-credit-rejection');
    }
  } catch {
    // Left for the credit reconciler.
  }
};

const releaseQuietly = async (ctx: ProcessContext, customerId: string, orderId: string, reason: string, subId = `release-credit-${reason}`) => {
  try {
    await ctx.execute(
      { type: 'customer.releaseCredit', data: { customerId, reservationId: orderId, reason, occurredAt: occurredAt(ctx.command) } },
      { subId },
    );
  } catch {
    // Left for the credit reconciler: the reservation shows no accepted order.
  }
};

/** order.cancel: cancel the order, then release its credit reservation (a no-op when none). */
const cancelOrder: ProcessHandler = async (ctx) => {
  const data = ctx.command.data as { orderId: string };
  const { state: order } = await ctx.load<OrderView>(ctx.aggregateOf('order.cancel'), data.orderId);
  const cancel = await ctx.execute(ctx.command, { final: true });
  if (cancel.kind === 'appended' && order.customerId) {
    // The cancellation is stored (and kept as this command's outcome): a failing release must
    // not turn it into an error reply; the credit reconciler releases what is left.
    // reservation_not_found: the order was cancelled before it was accepted; nothing to release.
    await releaseQuietly(ctx, order.customerId, data.orderId, 'cancellation', 'release-credit');
  }
  return finalReply(ctx, cancel);
};

/**
 * return.request: reserve the quantities on the ORDER's stream first (the order decides that
 * returns never exceed what was delivered), then open the return; if opening fails, release.
 */
const requestReturn: ProcessHandler = async (ctx) => {
  const data = ctx.command.data as { returnId: string; orderId: string; lines: { lineId: string; quantity: number }[]; occurredAt: string };
  const reserve = await ctx.execute(
    { type: 'order.reserveReturn', data: { orderId: data.orderId, returnId: data.returnId, lines: data.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })), occurredAt: data.occurredAt } },
    { subId: 'reserve-return' },
  );
  if (reserve.kind === 'rejected') return ctx.finish(reserve.reply);
  const open = await ctx.execute(ctx.command, { final: true });
  if (open.kind === 'rejected' && !(await returnOwnsReservation(ctx, data.returnId, data.orderId))) {
    await ctx
      .execute({ type: 'order.releaseReturn', data: { orderId: data.orderId, returnId: data.returnId, reason: 'return not opened', occurredAt: data.occurredAt } }, { subId: 'release-return' })
      .catch(() => undefined);
  }
  return finalReply(ctx, open);
};

/**
 * Whether the return `returnId` exists on `orderId`: then the order's reservation under that id
 * is that return's (a re-sent request, with a new command id, found it and refused to open
 * the return again), and releasing it would free quantities the existing return still holds.
 * When unsure (the load fails), the reservation is left for the reconciler, which releases it
 * only if the return was never opened.
 */
const returnOwnsReservation = async (ctx: ProcessContext, returnId: string, orderId: string): Promise<boolean> => {
  try {
    const { state } = await ctx.load<{ status: string; orderId?: string }>(ctx.aggregateOf('return.request'), returnId);
    return state.status !== 'initial' && state.orderId === orderId;
  } catch {
    return true;
  }
};

/** return.reject: reject the return, then free its quantities on the order. */
const rejectReturn: ProcessHandler = async (ctx) => {
  const data = ctx.command.data as { returnId: string; reason?: string; occurredAt: string };
  const { state: ret } = await ctx.load<{ orderId?: string }>(ctx.aggregateOf('return.reject'), data.returnId);
  const reject = await ctx.execute(ctx.command, { final: true });
  if (reject.kind === 'appended' && ret.orderId) {
    // As for cancellations: the rejection is stored; the reconciler frees what a failure leaves.
    await ctx
      .execute(
        { type: 'order.releaseReturn', data: { orderId: ret.orderId, returnId: data.returnId, reason: data.reason ?? 'return rejected', occurredAt: data.occurredAt } },
        { subId: 'release-return' },
      )
      .catch(() => undefined);
  }
  return finalReply(ctx, reject);
};

/** Claim streams, their events and the claim in force: @cs/domain complaint/number-claim.ts. */
const MAX_CLAIM_ATTEMPTS = 10;

/**
 * The id of a claim-stream event, from the command, the event type and the version it is
 * appended after: one command may append a claim and a release (or two releases) on one claim
 * stream, which the default id (command id, stream, index in the append) would make equal (the
 * stores refuse a second event with an id, or take it for a re-append of the first).
 */
const claimEventId = (ctx: ProcessContext, claimStream: string, type: string, after: 'no_stream' | number) =>
  deterministicUuid(`${ctx.request.commandId}|${claimStream}|${type}@${after === 'no_stream' ? 0 : after}`);

type ComplaintView = { status: string; number?: string };

/** The number complaint `complaintId` was received with, or undefined while it is not received. */
const receivedNumber = async (ctx: ProcessContext, complaintId: string): Promise<string | undefined> => {
  const { state } = await ctx.load<ComplaintView>(ctx.aggregateOf('complaint.receive'), complaintId);
  return state.status === 'initial' ? undefined : (state.number ?? '');
};

/**
 * Releases the claim at `version` of `claimStream`, held by `complaintId`, which was received
 * with another number (`carried`): appended with the claim's version, so only that claim is
 * released; false when the stream moved on meanwhile (someone else released it first).
 */
const releaseClaim = async (ctx: ProcessContext, claimStream: string, version: number, claim: { number: string; complaintId: string }, carried: string): Promise<boolean> => {
  try {
    await ctx.store.append(
      claimStream,
      [{ id: claimEventId(ctx, claimStream, NUMBER_RELEASED, version), type: NUMBER_RELEASED, data: { number: claim.number, complaintId: claim.complaintId, reason: 'received_with_other_number', receivedNumber: carried, occurredAt: occurredAt(ctx.command) }, metadata: ctx.metadata() }],
      { expectedVersion: version },
    );
    return true;
  } catch (e) {
    if (e instanceof ConcurrencyError) return false;
    throw e;
  }
};

/**
 * Releases the claim `complaintId` holds on `number` when that complaint was received with
 * another number (`carried`): the loser of two concurrent first receipts of one complaint, or a
 * retry of it after a crash before its release. A no-op when the claim is not its own.
 */
const releaseOwnClaim = async (ctx: ProcessContext, number: string, complaintId: string, carried: string): Promise<void> => {
  const claimStream = complaintNumberStream(number);
  const held = claimInForce(await ctx.store.readStream(claimStream));
  if (held && held.complaintId === complaintId) await releaseClaim(ctx, claimStream, held.version, { number, complaintId }, carried);
};

/**
 * Claims `number` for `complaintId`: a claim is appended when the number's stream does not
 * exist or its last event is a release (with that release's version as the expected version,
 * so two claimants cannot both win). The complaint's own claim in force (a retry, or a
 * concurrent twin) counts as claimed. A claim of another complaint that was received with a
 * different number is stale (a lost race whose release never happened): it is released and the
 * number claimed. Any other claim in force: 'taken'.
 */
const claimNumber = async (ctx: ProcessContext, number: string, complaintId: string): Promise<'claimed' | 'taken' | 'conflict'> => {
  const claimStream = complaintNumberStream(number);
  // 'no_stream' first (no read: the usual case); undefined: read the stream to know what to expect.
  let expected: 'no_stream' | number | undefined = 'no_stream';
  for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
    if (expected === undefined) {
      const events = await ctx.store.readStream(claimStream);
      const held = claimInForce(events);
      if (held) {
        if (held.complaintId === complaintId) return 'claimed';
        const carried = held.complaintId === '' ? undefined : await receivedNumber(ctx, held.complaintId);
        // not received yet (in flight, or left by a crash for its retry), or received with this number
        if (carried === undefined || !isStaleClaim(number, carried)) return 'taken';
        expected = (await releaseClaim(ctx, claimStream, held.version, { number, complaintId: held.complaintId }, carried)) ? held.version + 1 : undefined;
        continue;
      }
      expected = events.length === 0 ? 'no_stream' : events[events.length - 1]!.streamVersion;
    }
    try {
      await ctx.store.append(
        claimStream,
        [{ id: claimEventId(ctx, claimStream, NUMBER_CLAIMED, expected), type: NUMBER_CLAIMED, data: { number, complaintId, occurredAt: occurredAt(ctx.command) }, metadata: ctx.metadata() }],
        { expectedVersion: expected },
      );
      return 'claimed';
    } catch (e) {
      if (!(e instanceof ConcurrencyError)) throw e;
      expected = undefined;
    }
  }
  return 'conflict';
};

/**
 * complaint.receive: claim the human-readable number on its own stream, so two complaints can
 * never share a number, then append ComplaintReceived; a retry of the same command finds its
 * own claim. When two first receipts of one new complaint id with different numbers race, both
 * claim their number and one ComplaintReceived wins: the loser releases its claim (and a retry
 * of the loser, or the next claimant of that number, releases it when a crash left it).
 */
const receiveComplaint: ProcessHandler = async (ctx) => {
  const data = ctx.command.data as { complaintId: string; number: string };
  // A complaint that exists already is refused before its number is claimed (claiming for a
  // refused complaint would take the number from the next one, if only until released).
  const carried = await receivedNumber(ctx, data.complaintId);
  if (carried !== undefined) {
    // A retry of the loser of a race, after a crash before its release: release it now.
    if (carried !== data.number) await releaseOwnClaim(ctx, data.number, data.complaintId, carried);
    return finalReply(ctx, await ctx.execute(ctx.command, { final: true }));
  }
  const claim = await claimNumber(ctx, data.number, data.complaintId);
  if (claim === 'taken') return ctx.finish(errorReply(ctx.request.commandId, 'already_exists', `complaint number ${data.number} is already used`));
  if (claim === 'conflict') {
    return ctx.finish(errorReply(ctx.request.commandId, 'conflict_exhausted', `gave up after ${MAX_CLAIM_ATTEMPTS} conflicting attempts on ${complaintNumberStream(data.number)}`));
  }
  const receive = await ctx.execute(ctx.command, { final: true });
  if (receive.kind === 'rejected' && receive.code === 'already_exists') {
    // A concurrent first receipt of this complaint id won: if with another number, this
    // command's claim holds a number no complaint carries. A throw here leaves the claim for a
    // retry (which releases it above) or for the next claimant of the number.
    const now = await receivedNumber(ctx, data.complaintId);
    if (now !== undefined && now !== data.number) await releaseOwnClaim(ctx, data.number, data.complaintId, now);
  }
  return finalReply(ctx, receive);
};

/**
 * The processes by command type, to pass as `processes` to `createCommandHandler`.
 *
 * @example
 * createCommandHandler({ store, aggregates, processes: crossAggregateProcesses });
 */
export const crossAggregateProcesses: Record<string, ProcessHandler> = {
  'order.accept': acceptOrder,
  'order.cancel': cancelOrder,
  'return.request': requestReturn,
  'return.reject': rejectReturn,
  'complaint.receive': receiveComplaint,
};
