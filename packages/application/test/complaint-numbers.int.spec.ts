import { createInMemoryEventStore, createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessClock } from './fixtures.ts';
import { decorate, failingAppends, handlerOn, send } from './support.ts';

// docs/architecture.md "Unique complaint numbers": two concurrent FIRST receipts of one new
// complaint id with different numbers both pass the "complaint exists?" check and both claim
// their number; one ComplaintReceived wins. The loser's number must not stay claimed for a
// complaint that does not carry it.
let db: TestDatabase;
let pg: EventStore;
beforeAll(async () => {
  db = await createTestDatabase('application_complaint_numbers');
  pg = await createPostgresEventStore({ connectionString: db.url, max: 8 });
});
afterAll(async () => {
  await pg?.close();
  await db?.drop();
});

const at = businessClock();
let seq = 0;
/** Fresh ids for one case: a complaint id, two numbers and a second complaint id. */
const fresh = (tag: string) => {
  const n = ++seq;
  const num = (i: number) => `TS-2024-${String(n * 10 + i).padStart(6, '0')}`;
  return { k: `K-${tag}-${n}`, k2: `K-${tag}-${n}-next`, n1: num(1), n2: num(2) };
};
const receive = (complaintId: string, number: string) => ({
  complaintId, number, customerId: 'C-num', channel: 'phone', category: 'damage', description: 'crushed', remedySought: 'refund', occurredAt: at(),
});

/**
 * `store` whose first append of ComplaintReceived on `streamId` waits until `open()` is called;
 * `arrived` resolves when it is waiting (the request has passed the "exists?" check and claimed).
 */
const holdingReceipt = (store: EventStore, streamId: string) => {
  let reached!: () => void;
  let open!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  const gate = new Promise<void>((r) => (open = r));
  let armed = true;
  const held = decorate(store, {
    append: async (s, events, options) => {
      if (armed && s === streamId && events.some((e) => e.type === 'ComplaintReceived')) {
        armed = false;
        reached();
        await gate;
      }
      return store.append(s, events, options);
    },
  });
  return { store: held, arrived, open };
};

const claimTypes = async (store: EventStore, number: string) => (await store.readStream(`ComplaintNumber-${number}`)).map((e) => e.type);
const claimOwners = async (store: EventStore, number: string) =>
  (await store.readStream(`ComplaintNumber-${number}`)).map((e) => `${e.type === 'ComplaintNumberClaimed' ? '+' : '-'}${(e.data as { complaintId: string }).complaintId}`);
const numberOf = async (store: EventStore, complaintId: string) =>
  ((await store.readStream(`Complaint-${complaintId}`))[0]?.data as { number?: string } | undefined)?.number;

/** The loser (number n2) is held after its claim; the winner (number n1) receives the complaint; then the loser goes on. */
const race = async (store: EventStore, ids: { k: string; n1: string; n2: string }, loserStore: (s: EventStore) => EventStore = (s) => s) => {
  const held = holdingReceipt(store, `Complaint-${ids.k}`);
  const payloads = { loser: receive(ids.k, ids.n2), winner: receive(ids.k, ids.n1) };
  const loser = send(handlerOn(loserStore(held.store)), 'complaint.receive', payloads.loser, `${ids.k}-loser`);
  await held.arrived;
  const winner = await send(handlerOn(store), 'complaint.receive', payloads.winner, `${ids.k}-winner`);
  held.open();
  return { winner, loser: await loser, payloads };
};

const stores: [string, () => EventStore][] = [
  ['PostgreSQL', () => pg],
  ['the in-memory store', () => createInMemoryEventStore()],
];

describe.each(stores)('unique complaint numbers on %s', (_, storeOf) => {
  it('two first receipts of one new complaint with different numbers (forced interleaving): the loser number is released and free for the next complaint', async () => {
    const store = storeOf();
    const ids = fresh('det');
    const { winner, loser, payloads } = await race(store, ids);
    expect(winner).toMatchObject({ ok: true, eventTypes: ['ComplaintReceived'] });
    expect(loser).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await numberOf(store, ids.k)).toBe(ids.n1);
    // the defect: the loser's number stayed claimed for a complaint that does not carry it
    expect(await send(handlerOn(store), 'complaint.receive', receive(ids.k2, ids.n2))).toMatchObject({ ok: true, eventTypes: ['ComplaintReceived'] });
    expect(await claimOwners(store, ids.n2)).toEqual([`+${ids.k}`, `-${ids.k}`, `+${ids.k2}`]);
    expect(await claimOwners(store, ids.n1)).toEqual([`+${ids.k}`]);
    // retries of both get their kept replies, and change nothing
    expect(await send(handlerOn(store), 'complaint.receive', payloads.loser, `${ids.k}-loser`)).toMatchObject({ ok: false, error: { code: 'already_exists' }, duplicate: true });
    expect(await send(handlerOn(store), 'complaint.receive', payloads.winner, `${ids.k}-winner`)).toMatchObject({ ok: true, duplicate: true });
    expect(await claimOwners(store, ids.n2)).toEqual([`+${ids.k}`, `-${ids.k}`, `+${ids.k2}`]);
    // the number of the winner stays taken
    expect(await send(handlerOn(store), 'complaint.receive', receive(`${ids.k2}-b`, ids.n1))).toMatchObject({ ok: false, error: { code: 'already_exists' } });
  });

  it('a crash between the lost ComplaintReceived and the release: a retry of the loser releases its claim', async () => {
    const store = storeOf();
    const ids = fresh('crash');
    const { loser, payloads } = await race(store, ids, (s) => failingAppends(s, (_s, events) => events.some((e) => e.type === 'ComplaintNumberReleased')));
    expect(loser).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await claimTypes(store, ids.n2)).toEqual(['ComplaintNumberClaimed']);
    expect(await send(handlerOn(store), 'complaint.receive', payloads.loser, `${ids.k}-loser`)).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await claimOwners(store, ids.n2)).toEqual([`+${ids.k}`, `-${ids.k}`]);
    expect(await send(handlerOn(store), 'complaint.receive', receive(ids.k2, ids.n2))).toMatchObject({ ok: true });
  });

  it('the same crash and no retry: the next complaint with that number releases the stale claim and gets the number', async () => {
    const store = storeOf();
    const ids = fresh('stale');
    await race(store, ids, (s) => failingAppends(s, (_s, events) => events.some((e) => e.type === 'ComplaintNumberReleased')));
    expect(await claimTypes(store, ids.n2)).toEqual(['ComplaintNumberClaimed']);
    expect(await send(handlerOn(store), 'complaint.receive', receive(ids.k2, ids.n2))).toMatchObject({ ok: true, eventTypes: ['ComplaintReceived'] });
    expect(await claimOwners(store, ids.n2)).toEqual([`+${ids.k}`, `-${ids.k}`, `+${ids.k2}`]);
  });

  it('the same complaint sent twice with ONE number (two command ids) racing: the claim stays, the number stays taken', async () => {
    const store = storeOf();
    const ids = fresh('same');
    const { winner, loser } = await race(store, { ...ids, n2: ids.n1 });
    expect(winner).toMatchObject({ ok: true });
    expect(loser).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await claimTypes(store, ids.n1)).toEqual(['ComplaintNumberClaimed']);
    expect(await send(handlerOn(store), 'complaint.receive', receive(ids.k2, ids.n1))).toMatchObject({ ok: false, error: { code: 'already_exists' } });
  });

  it('a crash after the claim, before ComplaintReceived: the number stays taken, and a retry finds its own claim and completes', async () => {
    const store = storeOf();
    const ids = fresh('retry');
    const failing = handlerOn(failingAppends(store, (s) => s === `Complaint-${ids.k}`));
    const payload = receive(ids.k, ids.n1);
    expect(await send(failing, 'complaint.receive', payload, `${ids.k}-1`)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await send(handlerOn(store), 'complaint.receive', receive(ids.k2, ids.n1))).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await send(failing, 'complaint.receive', payload, `${ids.k}-1`)).toMatchObject({ ok: true, eventTypes: ['ComplaintReceived'] });
    expect(await claimOwners(store, ids.n1)).toEqual([`+${ids.k}`]);
  });

  it('a released number is claimed with the release as expected version: concurrent claimants of it, exactly one wins', async () => {
    const store = storeOf();
    const ids = fresh('reclaim');
    await race(store, ids);
    expect(await claimTypes(store, ids.n2)).toEqual(['ComplaintNumberClaimed', 'ComplaintNumberReleased']);
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => send(handlerOn(store), 'complaint.receive', receive(`${ids.k2}-${i}`, ids.n2))));
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    expect(replies.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === 'already_exists')).toBe(true);
    const owners = await claimOwners(store, ids.n2);
    expect(owners).toHaveLength(3);
    const holder = owners[2]!.slice(1);
    expect(await numberOf(store, holder)).toBe(ids.n2);
  });

  it('really concurrent first receipts of one new complaint with different numbers, many times: each number ends held only by a complaint that carries it', async () => {
    const store = storeOf();
    let raced = 0;
    for (let i = 0; i < 40; i++) {
      const ids = fresh('conc');
      const [a, b] = await Promise.all([
        send(handlerOn(store), 'complaint.receive', receive(ids.k, ids.n1), `${ids.k}-a`),
        send(handlerOn(store), 'complaint.receive', receive(ids.k, ids.n2), `${ids.k}-b`),
      ]);
      expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
      const [won, lost] = a.ok ? [ids.n1, ids.n2] : [ids.n2, ids.n1];
      expect(a.ok ? b : a).toMatchObject({ ok: false, error: { code: 'already_exists' } });
      expect(await numberOf(store, ids.k)).toBe(won);
      expect(await claimOwners(store, won)).toEqual([`+${ids.k}`]);
      const lostClaims = await claimOwners(store, lost);
      if (lostClaims.length > 0) raced++;
      // the loser's number is not held (never claimed, or claimed and released) ...
      expect(lostClaims.at(-1)?.startsWith('+') ?? false, `${lost}: ${lostClaims.join(' ')}`).toBe(false);
      // ... and the next complaint with it gets it
      expect(await send(handlerOn(store), 'complaint.receive', receive(ids.k2, lost))).toMatchObject({ ok: true });
    }
    // both requests passed the "exists?" check and claimed in at least some rounds (else this proved nothing)
    expect(raced).toBeGreaterThan(0);
  });
});
