import { customerAccountDecider, type CustomerAccountEvent } from '@cs/domain';
import { createPostgresEventStore, type EventStore, type NewEvent } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileReservations } from '../src/index.ts';
import { businessClock, openCustomer, placeOrder } from './fixtures.ts';
import { decorate, DEFAULT_ORDER_TOTAL, handlerOn, send } from './support.ts';

// Credit reservations are keyed by the order id, so two order.accept commands (different command
// ids) for one order share one reservation: the second reserve finds the first's and is a no-op.
// Two handler instances, each with its own pool on one PostgreSQL database; the interleaving of
// their steps is forced with gates on instance A's appends.
let db: TestDatabase;
let storeA: EventStore;
let storeB: EventStore;

beforeAll(async () => {
  db = await createTestDatabase('application_credit_races');
  storeA = await createPostgresEventStore({ connectionString: db.url, max: 4 });
  storeB = await createPostgresEventStore({ connectionString: db.url, max: 4 });
});
afterAll(async () => {
  await storeA?.close();
  await storeB?.close();
  await db?.drop();
});

/**
 * `store` whose first append matching `when` waits until `open()`; `reached` resolves when it
 * starts waiting (nothing is written before the gate opens).
 */
const gatedAppends = (store: EventStore, when: (streamId: string, events: NewEvent[]) => boolean) => {
  let reach!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const opened = new Promise<void>((r) => (open = r));
  let armed = true;
  const append: EventStore['append'] = async (streamId, events, options) => {
    if (armed && when(streamId, events)) {
      armed = false;
      reach();
      await opened;
    }
    return store.append(streamId, events, options);
  };
  return { store: decorate(store, { append }), reached, open };
};

const appending = (prefix: string, type: string) => (streamId: string, events: NewEvent[]) => streamId.startsWith(prefix) && events.some((e) => e.type === type);
const orderAccepted = appending('Order-', 'OrderAccepted');
const creditReleased = appending('CustomerAccount-', 'CreditReleased');

/** The account's open reservations (reservation id -> fen still held), folded from its stream. */
const heldCredit = async (customerId: string) => {
  const events = await storeA.readStream(`CustomerAccount-${customerId}`);
  const state = events.reduce((s, e) => customerAccountDecider.evolve(s, { type: e.type, data: e.data } as CustomerAccountEvent), customerAccountDecider.initialState());
  if (state.status === 'none') throw new Error(`no account ${customerId}`);
  return { outstandingFen: state.outstandingFen, reservations: Object.fromEntries(Object.entries(state.reservations).map(([id, r]) => [id, r.reservedFen - r.releasedFen])) };
};
const types = async (streamId: string) => (await storeA.readStream(streamId)).map((e) => e.type);

/** A customer and a placed order on a fresh business clock; `at()` goes on after the placement. */
const placed = async (suffix: string, lines?: Parameters<typeof placeOrder>[3]) => {
  const h = handlerOn(storeB);
  const at = businessClock();
  const customerId = `C-${suffix}`;
  const orderId = `O-${suffix}`;
  const openedAt = at();
  const beforePlacement = at();
  expect(await send(h, 'customer.open', openCustomer(customerId, openedAt))).toMatchObject({ ok: true });
  expect(await send(h, 'order.place', placeOrder(orderId, customerId, at(), lines))).toMatchObject({ ok: true });
  return { customerId, orderId, at, beforePlacement };
};

const later = () => ({ olderThanMs: 0, now: () => Date.now() + 1000 });

describe('order.accept: a refused acceptance never takes the credit of a concurrent one', () => {
  it('A is dated before the placement, B accepts meanwhile: the accepted order keeps its reservation', async () => {
    const { customerId, orderId, at, beforePlacement } = await placed('race-early');
    const release = gatedAppends(storeA, creditReleased);
    const [a, b] = [handlerOn(release.store), handlerOn(storeB)];
    const first = send(a, 'order.accept', { orderId, occurredAt: beforePlacement }, 'race-early-a');
    // (Before the fix A reserved, was refused by the order, saw it still placed and now waits to release.)
    await Promise.race([release.reached, first]);
    const second = await send(b, 'order.accept', { orderId, occurredAt: at() }, 'race-early-b');
    release.open();
    expect(await first).toMatchObject({ ok: false, error: { code: 'out_of_order_time' } });
    expect(second).toMatchObject({ ok: true, eventTypes: ['OrderAccepted'] });
    expect((await types(`Order-${orderId}`)).at(-1)).toBe('OrderAccepted');
    expect(await heldCredit(customerId)).toEqual({ outstandingFen: DEFAULT_ORDER_TOTAL, reservations: { [orderId]: DEFAULT_ORDER_TOTAL } });
  });

  it('A is refused because the order was verified after A loaded it, B accepts meanwhile: the accepted order keeps its reservation', async () => {
    const { customerId, orderId, at } = await placed('race-verify');
    const accept = gatedAppends(storeA, orderAccepted);
    const release = gatedAppends(accept.store, creditReleased);
    const [a, b] = [handlerOn(release.store), handlerOn(storeB)];
    const [tA, tV, tB] = [at(), at(), at()];
    const first = send(a, 'order.accept', { orderId, occurredAt: tA }, 'race-verify-a');
    await accept.reached; // A has reserved and appends OrderAccepted on the order as it loaded it
    expect(await send(b, 'order.verify', { orderId, verifiedBy: 'order.desk', occurredAt: tV })).toMatchObject({ ok: true });
    accept.open(); // A's append conflicts; on the reloaded (verified) order its time is refused
    await Promise.race([release.reached, first]);
    const second = await send(b, 'order.accept', { orderId, occurredAt: tB }, 'race-verify-b');
    release.open();
    expect(await first).toMatchObject({ ok: false, error: { code: 'out_of_order_time' } });
    expect(second).toMatchObject({ ok: true, eventTypes: ['OrderAccepted'] });
    expect(await heldCredit(customerId)).toEqual({ outstandingFen: DEFAULT_ORDER_TOTAL, reservations: { [orderId]: DEFAULT_ORDER_TOTAL } });
  });

  it('the reservation a refused acceptance leaves on a still-verified order is not held forever: the reconciler completes the acceptance', async () => {
    const { customerId, orderId, at } = await placed('race-left');
    const accept = gatedAppends(storeA, orderAccepted);
    const a = handlerOn(accept.store);
    const [tA, tV] = [at(), at()];
    const first = send(a, 'order.accept', { orderId, occurredAt: tA }, 'race-left-a');
    await accept.reached;
    expect(await send(handlerOn(storeB), 'order.verify', { orderId, verifiedBy: 'order.desk', occurredAt: tV })).toMatchObject({ ok: true });
    accept.open();
    expect(await first).toMatchObject({ ok: false, error: { code: 'out_of_order_time' } });
    const report = await reconcileReservations(storeA, handlerOn(storeA), later());
    expect(report.failed.filter((f) => f.commandId.includes(orderId))).toEqual([]);
    expect(report.accepted).toContain(orderId);
    const events = await storeA.readStream(`Order-${orderId}`);
    expect(events.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderVerified', 'OrderAccepted']);
    // dated no earlier than the order's last step (the reservation's own time is before it)
    expect(events.at(-1)?.data).toMatchObject({ occurredAt: tV });
    expect(await heldCredit(customerId)).toEqual({ outstandingFen: DEFAULT_ORDER_TOTAL, reservations: { [orderId]: DEFAULT_ORDER_TOTAL } });
    expect((await reconcileReservations(storeA, handlerOn(storeA), later())).accepted).not.toContain(orderId);
  });

  it('an acceptance dated before the placement reserves nothing, so the reconciler never accepts the order for it', async () => {
    const { customerId, orderId, beforePlacement } = await placed('early-alone');
    const h = handlerOn(storeA);
    expect(await send(h, 'order.accept', { orderId, occurredAt: beforePlacement })).toMatchObject({ ok: false, error: { code: 'out_of_order_time' } });
    expect(await types(`CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened']);
    const report = await reconcileReservations(storeA, h, later());
    expect(report.accepted).not.toContain(orderId);
    expect(await types(`Order-${orderId}`)).toEqual(['OrderPlaced']);
  });

  it('the order was rejected after A reserved: the reservation is released at once', async () => {
    const { customerId, orderId, at } = await placed('race-rejected');
    const accept = gatedAppends(storeA, orderAccepted);
    const a = handlerOn(accept.store);
    const first = send(a, 'order.accept', { orderId, occurredAt: at() }, 'race-rejected-a');
    await accept.reached;
    expect(await send(handlerOn(storeB), 'order.reject', { orderId, reason: 'invalid_details', occurredAt: at() })).toMatchObject({ ok: true });
    accept.open();
    expect(await first).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    expect(await heldCredit(customerId)).toEqual({ outstandingFen: 0, reservations: {} });
    expect((await storeA.readStream(`CustomerAccount-${customerId}`)).at(-1)?.data).toMatchObject({ reason: 'rejection', remainingFen: 0 });
  });

  it('the order was cancelled after A reserved (its own release failing): A releases at once, with the reason cancellation', async () => {
    const { customerId, orderId, at } = await placed('race-cancelled');
    const accept = gatedAppends(storeA, orderAccepted);
    const a = handlerOn(accept.store);
    const first = send(a, 'order.accept', { orderId, occurredAt: at() }, 'race-cancelled-a');
    await accept.reached;
    // the cancellation's own release fails (left to the reconciler): A's compensation releases
    const noRelease = decorate(storeB, {
      append: async (streamId, events, options) => {
        if (creditReleased(streamId, events)) throw new Error('release lost');
        return storeB.append(streamId, events, options);
      },
    });
    expect(await send(handlerOn(noRelease), 'order.cancel', { orderId, reason: 'customer withdrew', occurredAt: at() })).toMatchObject({ ok: true });
    expect((await heldCredit(customerId)).outstandingFen).toBe(DEFAULT_ORDER_TOTAL);
    accept.open();
    expect(await first).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    expect(await heldCredit(customerId)).toEqual({ outstandingFen: 0, reservations: {} });
    expect((await storeA.readStream(`CustomerAccount-${customerId}`)).at(-1)?.data).toMatchObject({ reason: 'cancellation', remainingFen: 0 });
  });
});

describe('free orders (total 0 fen) hold no credit, and the reconciler leaves them alone', () => {
  const freeLines = [{ lineId: 'L1', quantity: 3, unitPriceFen: 0 }];

  it('accepting and cancelling a free order: no 0-fen CreditReserved, and no reconciler run reports a failed release', async () => {
    const { customerId, orderId, at } = await placed('free-1', freeLines);
    const h = handlerOn(storeA);
    expect(await send(h, 'order.accept', { orderId, occurredAt: at() })).toMatchObject({ ok: true, eventTypes: ['OrderAccepted'] });
    expect(await send(h, 'order.cancel', { orderId, reason: 'customer withdrew', occurredAt: at() })).toMatchObject({ ok: true, eventTypes: ['OrderCancelled'] });
    // a direct 0-fen reservation (no order) passes the account's checks and holds nothing
    const direct = await send(h, 'customer.reserveCredit', { customerId, reservationId: 'M-free-1', amountFen: 0, occurredAt: at() });
    for (let run = 0; run < 2; run++) {
      const report = await reconcileReservations(storeA, h, later());
      expect(report.failed.filter((f) => f.commandId.includes(customerId))).toEqual([]);
    }
    expect(direct).toMatchObject({ ok: true, eventTypes: [] });
    expect(await types(`CustomerAccount-${customerId}`)).toEqual(['CustomerAccountOpened']);
  });

  it('0-fen CreditReserved events stored earlier (for a cancelled order, without an order) are ignored by the reconciler', async () => {
    const { customerId, orderId, at } = await placed('free-2', freeLines);
    const h = handlerOn(storeA);
    const stored = (reservationId: string, occurredAt: string): NewEvent => ({
      type: 'CreditReserved',
      data: { customerId, reservationId, amountFen: 0, outstandingAfterFen: 0, singleOrderCapFen: 1_000_000, outstandingCapFen: 10_000_000, occurredAt },
      metadata: { commandId: `legacy-${reservationId}`, correlationId: `legacy-${reservationId}`, actor: { service: 'test-service' }, occurredAt },
    });
    // as the handler wrote them before: the state never holds them
    await storeA.append(`CustomerAccount-${customerId}`, [stored(orderId, at()), stored('M-free-2', at())], { expectedVersion: 1 });
    expect(await send(h, 'order.cancel', { orderId, reason: 'customer withdrew', occurredAt: at() })).toMatchObject({ ok: true });
    expect(await heldCredit(customerId)).toEqual({ outstandingFen: 0, reservations: {} });
    const before = (await storeA.readStream(`CustomerAccount-${customerId}`)).length;
    for (let run = 0; run < 2; run++) {
      const report = await reconcileReservations(storeA, h, later());
      expect(report.failed.filter((f) => f.commandId.includes(customerId))).toEqual([]);
      expect(report.creditReleased.filter((id) => id === orderId || id === 'M-free-2')).toEqual([]);
    }
    expect((await storeA.readStream(`CustomerAccount-${customerId}`)).length).toBe(before);
  });
});
