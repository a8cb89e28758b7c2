import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  createUpcasters,
  DuplicateCommandError,
  EventStoreError,
  IdempotencyKeyReusedError,
  loadAggregate,
  loadStream,
  START,
  verifyChain,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type Upcasters,
} from '../src/index.ts';

/** Registry used by the upcasting case: `ContractRenamed` v1 `{ name }` -> v2 `{ name, upper }`. */
export const contractUpcasters: Upcasters = createUpcasters({
  ContractRenamed: [{ fromVersion: 1, toVersion: 2, up: (d) => ({ ...(d as { name: string }), upper: (d as { name: string }).name.toUpperCase() }) }],
});

let counter = 0;
const unique = (label: string): string => `${label}-${process.pid}-${Date.now().toString(36)}-${(counter += 1)}`;
const meta = (commandId: string = unique('cmd')): EventMetadata => ({
  commandId,
  correlationId: commandId,
  actor: { service: 'contract', person: 'tester' },
  occurredAt: '2024-03-01T08:00:00.000Z',
});
const ev = (type: string, data: unknown, m: EventMetadata = meta()): NewEvent => ({ type, data, metadata: m });
const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof EventStoreError ? `${e.name}:${e.code}` : `raw:${String(e)}`;
  }
};
/**
 * All events of the given streams, read through readAll in pages of `limit`. The SQL stores
 * only show events below the oldest running transaction of the whole PostgreSQL cluster (the
 * gapless guard), so a read right after an append may lag while an unrelated transaction runs:
 * retry until `expected` events are there (then the caller asserts the exact list).
 */
const readAllOf = async (store: EventStore, streams: Set<string>, limit = 1000, after = START, expected?: number): Promise<RecordedEvent[]> => {
  const end = Date.now() + 15_000;
  for (;;) {
    const out: RecordedEvent[] = [];
    for (let pos = after; ; ) {
      const page = await store.readAll({ after: pos, limit });
      out.push(...page.events.filter((e) => streams.has(e.streamId)));
      if (page.scanned < limit) break;
      pos = page.last;
    }
    if (expected === undefined || out.length >= expected || Date.now() > end) return out;
    await new Promise((r) => setTimeout(r, 25));
  }
};
const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

export type ContractOptions = { /** ESDB has no multi-stream transaction: appendBatch is not atomic there. */ atomicBatch?: boolean };

/**
 * The one event-store contract, run against every adapter. `makeStore` must pass
 * `contractUpcasters` to the store it builds.
 *
 * @example
 * eventStoreContract('memory', async () => createInMemoryEventStore({ upcasters: contractUpcasters }));
 */
export const eventStoreContract = (name: string, makeStore: () => Promise<EventStore>, options: ContractOptions = {}): void => {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('appends to a new stream and reads back every stored field', async () => {
      const s = unique('Order');
      const m = meta();
      const r = await store.append(s, [ev('OrderPlaced', { orderId: s, totalFen: 1250, lines: [{ sku: 'A', qty: 2 }] }, m), ev('OrderConfirmed', { orderId: s }, m)], {
        expectedVersion: 'no_stream',
      });
      expect(r.nextVersion).toBe(2);
      expect(r.positions).toHaveLength(2);
      expect(r.positions[0]! < r.positions[1]!).toBe(true);
      const read = await store.readStream(s);
      expect(read.map((e) => [e.streamVersion, e.type, e.schemaVersion, e.storedSchemaVersion])).toEqual([
        [1, 'OrderPlaced', 1, 1],
        [2, 'OrderConfirmed', 1, 1],
      ]);
      expect(read[0]!.data).toEqual({ orderId: s, totalFen: 1250, lines: [{ sku: 'A', qty: 2 }] });
      expect(read[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(read[0]!.metadata).toEqual({ ...m, recordedAt: read[0]!.metadata.recordedAt });
      expect(read[0]!.metadata.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(read.map((e) => e.position)).toEqual(r.positions);
      expect(read).toEqual(r.events);
      expect(read[0]!.prevHash).toBe('0'.repeat(64));
      expect(read[1]!.prevHash).toBe(read[0]!.hash);
      expect(await store.streamHead(s)).toEqual({ version: 2, hash: read[1]!.hash });
      expect(await store.streamHead(unique('Nothing'))).toEqual({ version: 0, hash: '0'.repeat(64) });
    });

    it('event ids derive from the command id, stream and index unless given', async () => {
      const s = unique('Ids');
      const given = '0f8c7c5e-3a57-4f7e-9e53-7c1e0c4f8a11';
      const r = await store.append(s, [{ ...ev('A', {}), id: given }, ev('B', {})], { expectedVersion: 'no_stream' });
      expect(r.events[0]!.id).toBe(given);
      expect(r.events[1]!.id).not.toBe(given);
    });

    describe('optimistic concurrency', () => {
      it('no_stream: refused once the stream exists, nothing written', async () => {
        const s = unique('Conc');
        await store.append(s, [ev('A', {})], { expectedVersion: 'no_stream' });
        const err = await store.append(s, [ev('B', {})], { expectedVersion: 'no_stream' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect(err).toMatchObject({ code: 'conflict', streamId: s, expected: 'no_stream' });
        expect((await store.readStream(s)).length).toBe(1);
      });
      it('exact version: accepted when equal, refused otherwise; 0 means a new stream', async () => {
        const s = unique('Conc');
        await store.append(s, [ev('A', {})], { expectedVersion: 0 });
        await store.append(s, [ev('B', {})], { expectedVersion: 1 });
        expect(await codeOf(store.append(s, [ev('C', {})], { expectedVersion: 1 }))).toBe('ConcurrencyError:conflict');
        expect(await codeOf(store.append(s, [ev('C', {})], { expectedVersion: 3 }))).toBe('ConcurrencyError:conflict');
        expect(await codeOf(store.append(s, [ev('C', {})], { expectedVersion: 0 }))).toBe('ConcurrencyError:conflict');
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
      });
      it('stream_exists: refused on a missing stream, accepted on an existing one', async () => {
        const s = unique('Conc');
        expect(await codeOf(store.append(s, [ev('A', {})], { expectedVersion: 'stream_exists' }))).toBe('ConcurrencyError:conflict');
        expect(await store.readStream(s)).toEqual([]);
        await store.append(s, [ev('A', {})], { expectedVersion: 'any' });
        expect((await store.append(s, [ev('B', {})], { expectedVersion: 'stream_exists' })).nextVersion).toBe(2);
      });
      it('concurrent appends at the same expected version: exactly one wins', async () => {
        const s = unique('Race');
        await store.append(s, [ev('A', {})], { expectedVersion: 'no_stream' });
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.append(s, [ev('B', { i })], { expectedVersion: 1 })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
        expect((await store.readStream(s)).length).toBe(2);
      });
      it("concurrent 'any' appends: no lost, duplicated or skipped event", async () => {
        const s = unique('Any');
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(s, [ev('N', { i })], { expectedVersion: 'any' })));
        const read = await store.readStream(s);
        expect(read.map((e) => e.streamVersion)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(new Set(read.map((e) => (e.data as { i: number }).i)).size).toBe(20);
        const global = await readAllOf(store, new Set([s]), 1000, START, 20);
        expect(global.map((e) => e.streamVersion)).toEqual(read.map((e) => e.streamVersion));
        expect(verifyChain(await store.readStream(s, { raw: true })).ok).toBe(true);
      });
    });

    describe('idempotency per command id', () => {
      const idem = (commandId: string, requestHash: string) => ({ commandId, requestHash, reply: (r: { nextVersion: number; positions: string[] }) => ({ ok: true, v: r.nextVersion, positions: r.positions }) });
      it('a re-append of the same command returns the kept reply and writes nothing', async () => {
        const s = unique('Idem');
        const c = unique('cmd');
        const first = await store.append(s, [ev('A', {}, meta(c))], { expectedVersion: 'no_stream', idempotency: idem(c, 'h1') });
        const again = await store.append(s, [ev('A', {}, meta(c))], { expectedVersion: 'no_stream', idempotency: idem(c, 'h1') }).catch((e: unknown) => e);
        expect(again).toBeInstanceOf(DuplicateCommandError);
        expect((again as DuplicateCommandError).reply).toEqual({ ok: true, v: 1, positions: first.positions });
        expect((await store.readStream(s)).length).toBe(1);
        expect(await store.findOutcome(c)).toMatchObject({ commandId: c, requestHash: 'h1', reply: { ok: true, v: 1 } });
      });
      it('the same command id with another payload is refused, nothing written', async () => {
        const s = unique('Idem');
        const c = unique('cmd');
        await store.append(s, [ev('A', {}, meta(c))], { expectedVersion: 'no_stream', idempotency: idem(c, 'h1') });
        const err = await store.append(s, [ev('B', {}, meta(c))], { expectedVersion: 'any', idempotency: idem(c, 'h2') }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(IdempotencyKeyReusedError);
        expect((err as EventStoreError).code).toBe('idempotency_key_reused');
        expect((await store.readStream(s)).length).toBe(1);
      });
      it('saveOutcome keeps a rejection with the same semantics', async () => {
        const c = unique('cmd');
        expect(await store.findOutcome(c)).toBeUndefined();
        const kept = await store.saveOutcome({ commandId: c, requestHash: 'h', reply: { ok: false, code: 'invalid_state' } });
        expect(kept).toMatchObject({ commandId: c, reply: { ok: false, code: 'invalid_state' } });
        const dup = await store.saveOutcome({ commandId: c, requestHash: 'h', reply: { other: 1 } }).catch((e: unknown) => e);
        expect(dup).toBeInstanceOf(DuplicateCommandError);
        expect((dup as DuplicateCommandError).reply).toEqual({ ok: false, code: 'invalid_state' });
        expect(await codeOf(store.saveOutcome({ commandId: c, requestHash: 'h2', reply: {} }))).toBe('IdempotencyKeyReusedError:idempotency_key_reused');
        // An append under a command id whose rejection was kept is a duplicate too.
        const s = unique('Idem');
        expect(await codeOf(store.append(s, [ev('A', {}, meta(c))], { expectedVersion: 'no_stream', idempotency: idem(c, 'h') }))).toBe(
          'DuplicateCommandError:duplicate_command',
        );
        expect(await store.readStream(s)).toEqual([]);
      });
      it('concurrent duplicates of one command id have one effect; the others get the kept reply', async () => {
        const s = unique('IdemRace');
        const c = unique('cmd');
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.append(s, [ev('A', {}, meta(c)), ev('B', {}, meta(c))], { expectedVersion: 'any', idempotency: idem(c, 'h') })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results)
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(DuplicateCommandError);
            expect((r.reason as DuplicateCommandError).reply).toMatchObject({ ok: true, v: 2 });
          }
        expect((await store.readStream(s)).length).toBe(2);
      });
    });

    it('reads version ranges', async () => {
      const s = unique('Range');
      await store.append(s, Array.from({ length: 6 }, (_, i) => ev('N', { i })), { expectedVersion: 'no_stream' });
      expect((await store.readStream(s, { fromVersion: 3 })).map((e) => e.streamVersion)).toEqual([3, 4, 5, 6]);
      expect((await store.readStream(s, { toVersion: 2 })).map((e) => e.streamVersion)).toEqual([1, 2]);
      expect((await store.readStream(s, { fromVersion: 2, toVersion: 4 })).map((e) => e.streamVersion)).toEqual([2, 3, 4]);
      expect(await store.readStream(s, { fromVersion: 7 })).toEqual([]);
      expect(await store.readStream(unique('Missing'))).toEqual([]);
    });

    it('readAll pages through the global order without loss or repetition', async () => {
      const streams = [unique('Page'), unique('Page'), unique('Page')];
      for (let round = 0; round < 4; round++)
        for (const s of streams) await store.append(s, [ev('N', { round })], { expectedVersion: round === 0 ? 'no_stream' : round });
      const all = await readAllOf(store, new Set(streams), 3, START, 12);
      expect(all).toHaveLength(12);
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.position < all[i]!.position).toBe(true);
      expect(all.map((e) => `${e.streamId}:${e.streamVersion}`)).toEqual(
        [0, 1, 2, 3].flatMap((round) => streams.map((s) => `${s}:${round + 1}`)),
      );
      const fromMiddle = await readAllOf(store, new Set(streams), 5, all[5]!.position, 6);
      expect(fromMiddle.map((e) => e.id)).toEqual(all.slice(6).map((e) => e.id));
    });

    it('readAll with types returns only events of those types, over the same pages of limit events as without', async () => {
      const s = unique('Types');
      const [a, b] = [unique('TA'), unique('TB')];
      const marker = await store.append(unique('TypesMarker'), [ev('M', {})], { expectedVersion: 'no_stream' });
      const after = marker.positions[0]!;
      const kinds = [a, b, b, a, b, b, a];
      for (const [i, t] of kinds.entries()) await store.append(s, [ev(t, { i })], { expectedVersion: i === 0 ? 'no_stream' : i });
      await readAllOf(store, new Set([s]), 1000, after, kinds.length); // visible (the SQL stores' gapless guard)
      const pages = async (types?: string[]) => {
        const out: { ids: string[]; last: string; scanned: number }[] = [];
        for (let pos = after; ; ) {
          const page = await store.readAll({ after: pos, limit: 3, ...(types ? { types } : {}) });
          out.push({ ids: page.events.filter((e) => e.streamId === s).map((e) => e.id), last: page.last, scanned: page.scanned });
          for (const e of page.events) expect(types === undefined || types.includes(e.type)).toBe(true);
          if (page.scanned < 3) break;
          pos = page.last;
        }
        return out;
      };
      const plain = await pages();
      const all = plain.flatMap((p) => p.ids);
      expect(all).toHaveLength(kinds.length);
      expect(plain.every((p, i) => p.scanned === (i < plain.length - 1 ? 3 : p.scanned) && p.scanned <= 3)).toBe(true);
      const onlyA = await pages([a]);
      // The same windows (last, scanned), holding only the events of type a.
      expect(onlyA.map((p) => [p.last, p.scanned])).toEqual(plain.map((p) => [p.last, p.scanned]));
      const typeOf = new Map(all.map((id, i) => [id, kinds[i]!]));
      expect(onlyA.map((p) => p.ids)).toEqual(plain.map((p) => p.ids.filter((id) => typeOf.get(id) === a)));
      expect(onlyA.flatMap((p) => p.ids)).toHaveLength(3);
      expect((await pages([a, b])).map((p) => p.ids)).toEqual(plain.map((p) => p.ids));
      const none = await pages([]);
      expect(none.map((p) => [p.last, p.scanned, p.ids.length])).toEqual(plain.map((p) => [p.last, p.scanned, 0]));
    });

    /** A stream of two events (A, B) after a marker, visible to readAll; `read` reads its events back with the given options. */
    const twoEvents = async (name: string) => {
      const s = unique(name);
      const marker = await store.append(unique(`${name}Marker`), [ev('M', {})], { expectedVersion: 'no_stream' });
      await store.append(s, [ev('A', { i: 1 }), ev('B', { i: 2 })], { expectedVersion: 'no_stream' });
      const after = marker.positions[0]!;
      await readAllOf(store, new Set([s]), 1000, after, 2); // visible
      return async (o: Omit<ReadAllOptions, 'after' | 'limit'>) => (await store.readAll({ after, limit: 1000, ...o })).events.filter((e) => e.streamId === s);
    };

    it('readAll with metadata: false keeps every field but may cut the metadata to its recordedAt', async () => {
      const read = await twoEvents('Meta');
      for (const types of [undefined, ['A', 'B']]) {
        const full = await read(types ? { types } : {});
        const lean = await read({ metadata: false, ...(types ? { types } : {}) });
        expect(full).toHaveLength(2);
        expect(lean.map(({ metadata: _m, ...rest }) => rest)).toEqual(full.map(({ metadata: _m, ...rest }) => rest));
        for (const [i, e] of lean.entries()) {
          expect(e.metadata.recordedAt).toBe(full[i]!.metadata.recordedAt);
          // Either whole or recordedAt alone.
          expect([JSON.stringify(full[i]!.metadata), JSON.stringify({ recordedAt: e.metadata.recordedAt })]).toContain(JSON.stringify(e.metadata));
        }
      }
      await expect(store.readAll({ metadata: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'invalid_event' });
    });

    it('readAll with chain: false keeps every field but may leave the hashes empty', async () => {
      const read = await twoEvents('Chain');
      for (const types of [undefined, ['A', 'B']])
        for (const metadata of [true, false]) {
          const full = await read({ metadata, ...(types ? { types } : {}) });
          const lean = await read({ metadata, chain: false, ...(types ? { types } : {}) });
          expect(full).toHaveLength(2);
          expect(full.every((e) => /^[0-9a-f]{64}$/.test(e.hash) && /^[0-9a-f]{64}$/.test(e.prevHash))).toBe(true);
          expect(lean.map(({ hash: _h, prevHash: _p, ...rest }) => rest)).toEqual(full.map(({ hash: _h, prevHash: _p, ...rest }) => rest));
          // Either whole or both empty.
          for (const [i, e] of lean.entries()) expect([[full[i]!.hash, full[i]!.prevHash], ['', '']]).toContainEqual([e.hash, e.prevHash]);
        }
      await expect(store.readAll({ chain: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'invalid_event' });
    });

    describe('subscriptions', () => {
      it('from START: catches up, then receives live events, in order; stop() ends it', async () => {
        const s = unique('Sub');
        await store.append(s, [ev('A', { n: 1 }), ev('A', { n: 2 })], { expectedVersion: 'no_stream' });
        const seen: RecordedEvent[] = [];
        const sub = store.subscribe({ from: START, pollMs: 20, onEvent: (e) => void (e.streamId === s && seen.push(e)) });
        await until(() => seen.length === 2);
        await store.append(s, [ev('A', { n: 3 })], { expectedVersion: 2 });
        await until(() => seen.length === 3);
        await sub.stop();
        await expect(sub.done).resolves.toBeUndefined();
        expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
        await store.append(s, [ev('A', { n: 4 })], { expectedVersion: 3 });
        await new Promise((r) => setTimeout(r, 80));
        expect(seen).toHaveLength(3);
      });
      it('from a middle position: only the events after it', async () => {
        const s = unique('Sub');
        const r = await store.append(s, Array.from({ length: 5 }, (_, i) => ev('A', { n: i + 1 })), { expectedVersion: 'no_stream' });
        const seen: number[] = [];
        const sub = store.subscribe({ from: r.positions[2]!, pollMs: 20, batchSize: 2, onEvent: (e) => void (e.streamId === s && seen.push((e.data as { n: number }).n)) });
        await until(() => seen.length === 2);
        await sub.stop();
        expect(seen).toEqual([4, 5]);
      });
      it('a failing handler stops the subscription and done rejects with its error', async () => {
        const s = unique('Sub');
        await store.append(s, [ev('A', {})], { expectedVersion: 'no_stream' });
        const sub = store.subscribe({
          from: START,
          pollMs: 20,
          onEvent: (e) => {
            if (e.streamId === s) throw new Error('projection bug');
          },
        });
        await expect(sub.done).rejects.toThrow('projection bug');
        await sub.stop();
      });
    });

    it('upcasts on read (readStream, readAll, subscribe); raw reads return the stored version', async () => {
      const s = unique('Up');
      await store.append(s, [{ ...ev('ContractRenamed', { name: 'zhang' }), schemaVersion: 1 }, { ...ev('ContractRenamed', { name: 'li', upper: 'LI' }), schemaVersion: 2 }], {
        expectedVersion: 'no_stream',
      });
      const [a, b] = await store.readStream(s);
      expect(a).toMatchObject({ schemaVersion: 2, storedSchemaVersion: 1, data: { name: 'zhang', upper: 'ZHANG' } });
      expect(b).toMatchObject({ schemaVersion: 2, storedSchemaVersion: 2, data: { name: 'li', upper: 'LI' } });
      const [rawA] = await store.readStream(s, { raw: true });
      expect(rawA).toMatchObject({ schemaVersion: 1, data: { name: 'zhang' } });
      expect(verifyChain(await store.readStream(s, { raw: true })).ok).toBe(true);
      const viaAll = await readAllOf(store, new Set([s]), 1000, START, 2);
      expect(viaAll[0]).toMatchObject({ schemaVersion: 2, data: { upper: 'ZHANG' } });
      const seen: RecordedEvent[] = [];
      const sub = store.subscribe({ from: START, pollMs: 20, onEvent: (e) => void (e.streamId === s && seen.push(e)) });
      await until(() => seen.length === 2);
      await sub.stop();
      expect(seen[0]).toMatchObject({ schemaVersion: 2, data: { upper: 'ZHANG' } });
    });

    it('stores a 1 MB event intact', async () => {
      const s = unique('Big');
      const big = 'x'.repeat(1024 * 1024);
      await store.append(s, [ev('Big', { big, n: 1 })], { expectedVersion: 'no_stream' });
      const [e] = await store.readStream(s);
      expect((e!.data as { big: string }).big.length).toBe(1024 * 1024);
      expect(verifyChain([e!]).ok).toBe(true);
    });

    it('keeps unicode byte-identical and the hash verifiable', async () => {
      const s = unique('客户-Ω');
      const data = {
        text: '破损 ü 👩‍👩‍👧 \u2028 \u2029 "quoted" \\ tab\t é',
        rtl: 'مرحبا',
        combining: 'e\u0301',
        '键': { 'z': 1, 'ä': [0.1, -0, 1e21, 1e-7, 123456789012, -3.5] },
      };
      await store.append(s, [ev('Uni', data)], { expectedVersion: 'no_stream' });
      const [e] = await store.readStream(s);
      expect(e!.streamId).toBe(s);
      expect(e!.data).toEqual(JSON.parse(JSON.stringify(data)));
      expect(verifyChain([e!]).ok).toBe(true);
    });

    it('stores a backslash followed by u0000 as text (only a real U+0000 is refused)', async () => {
      const s = unique('Esc');
      const data = { path: 'C:\\u0000\\new', ['k\\u0000']: '\\\\u0000' };
      await store.append(s, [ev('Esc', data)], { expectedVersion: 'no_stream' });
      const [e] = await store.readStream(s, { raw: true });
      expect(e!.data).toEqual(data);
      expect(verifyChain([e!]).ok).toBe(true);
    });

    it('refuses bad input with a coded error and writes nothing', async () => {
      const s = unique('Bad');
      const cases: [string, () => Promise<unknown>][] = [
        ['empty events', () => store.append(s, [], { expectedVersion: 'any' })],
        ['bad expected version', () => store.append(s, [ev('A', {})], { expectedVersion: -1 })],
        ['no type', () => store.append(s, [{ ...ev('A', {}), type: '' }], { expectedVersion: 'any' })],
        ['no metadata', () => store.append(s, [{ type: 'A', data: {} } as unknown as NewEvent], { expectedVersion: 'any' })],
        ['NaN', () => store.append(s, [ev('A', { n: Number.NaN })], { expectedVersion: 'any' })],
        ['NUL character', () => store.append(s, [ev('A', { t: 'a\u0000b' })], { expectedVersion: 'any' })],
        ['NUL character in a key', () => store.append(s, [ev('A', { ['k\u0000']: 1 })], { expectedVersion: 'any' })],
        ['empty stream id', () => store.append('', [ev('A', {})], { expectedVersion: 'any' })],
        ['bad position', () => store.readAll({ after: 'not-a-position' })],
        ['bad types', () => store.readAll({ types: [''] })],
        ['types not a list', () => store.readAll({ types: 'OrderPlaced' as unknown as string[] })],
      ];
      for (const [label, call] of cases) expect(`${label}: ${await codeOf(call())}`).toBe(`${label}: EventStoreError:invalid_event`);
      expect(await store.readStream(s)).toEqual([]);
    });

    it('appends to many streams, also in one batch', async () => {
      const streams = Array.from({ length: 40 }, () => unique('Many'));
      await Promise.all(streams.slice(0, 20).map((s) => store.append(s, [ev('A', {}), ev('B', {})], { expectedVersion: 'no_stream' })));
      if (store.appendBatch) {
        const results = await store.appendBatch(streams.slice(20).map((s) => ({ streamId: s, events: [ev('A', {}), ev('B', {})], expectedVersion: 'no_stream' as const })));
        expect(results.map((r) => r.nextVersion)).toEqual(Array(20).fill(2));
      } else {
        for (const s of streams.slice(20)) await store.append(s, [ev('A', {}), ev('B', {})], { expectedVersion: 'no_stream' });
      }
      for (const s of streams) {
        const read = await store.readStream(s, { raw: true });
        expect(read.map((e) => e.streamVersion)).toEqual([1, 2]);
        expect(verifyChain(read).ok).toBe(true);
      }
      expect(await readAllOf(store, new Set(streams), 1000, START, 80)).toHaveLength(80);
    });

    it.runIf(options.atomicBatch !== false)('appendBatch is all-or-nothing: one conflict writes nothing', async () => {
      if (!store.appendBatch) throw new Error('appendBatch missing');
      const taken = unique('Batch');
      await store.append(taken, [ev('A', {})], { expectedVersion: 'no_stream' });
      const fresh = unique('Batch');
      const err = await store
        .appendBatch([
          { streamId: fresh, events: [ev('A', {})], expectedVersion: 'no_stream' },
          { streamId: taken, events: [ev('B', {})], expectedVersion: 'no_stream' },
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(fresh)).toEqual([]);
      expect((await store.readStream(taken)).length).toBe(1);
    });

    it('the hash chain links every append and names the first tampered version', async () => {
      const s = unique('Chain');
      await store.append(s, [ev('A', { n: 1 }), ev('B', { n: 2 })], { expectedVersion: 'no_stream' });
      await store.append(s, [ev('C', { n: 3 })], { expectedVersion: 2 });
      await store.append(s, [ev('D', { n: 4 })], { expectedVersion: 3 });
      const read = await store.readStream(s, { raw: true });
      expect(verifyChain(read)).toMatchObject({ ok: true, checked: 4, head: read[3]!.hash });
      const tampered = read.map((e) => (e.streamVersion === 3 ? { ...e, data: { n: 30 } } : e));
      expect(verifyChain(tampered)).toMatchObject({ ok: false, version: 3, reason: 'hash_mismatch' });
      expect(verifyChain([read[0]!, read[2]!, read[3]!])).toMatchObject({ ok: false, version: 3, reason: 'version_gap' });
    });

    it('snapshots: save, load, a newer one wins, and loading reads only the events after it', async () => {
      const s = unique('Snap');
      await store.append(s, Array.from({ length: 10 }, (_, i) => ev('Add', { n: i + 1 })), { expectedVersion: 'no_stream' });
      expect(await store.loadSnapshot(s)).toBeUndefined();
      await store.saveSnapshot({ streamId: s, version: 8, schemaVersion: 1, state: { sum: 36 } });
      await store.saveSnapshot({ streamId: s, version: 4, schemaVersion: 1, state: { sum: 10 } });
      expect(await store.loadSnapshot(s)).toEqual({ streamId: s, version: 8, schemaVersion: 1, state: { sum: 36 } });
      const evolve = (st: { sum: number }, e: { data: unknown }) => ({ sum: st.sum + (e.data as { n: number }).n });
      const loaded = await loadAggregate(store, s, evolve, { sum: 0 }, { snapshotSchemaVersion: 1 });
      expect(loaded).toEqual({ state: { sum: 55 }, version: 10, fromSnapshot: 8, eventsRead: 2 });
      const ignored = await loadAggregate(store, s, evolve, { sum: 0 }, { snapshotSchemaVersion: 2 });
      expect(ignored).toEqual({ state: { sum: 55 }, version: 10, fromSnapshot: 0, eventsRead: 10 });
    });

    it('loadStream: snapshot, the events after it and the kept outcome, equal to the separate reads', async () => {
      const s = unique('Load');
      const commandId = unique('load-cmd');
      await store.append(s, Array.from({ length: 5 }, (_, i) => ev('Add', { n: i + 1 })), {
        expectedVersion: 'no_stream',
        idempotency: { commandId, requestHash: 'rh', reply: (r) => ({ positions: r.positions }) },
      });
      const bare = await loadStream(store, s, { snapshotSchemaVersion: 1 });
      expect(bare).toMatchObject({ snapshot: undefined, outcome: undefined });
      expect(bare.events).toEqual(await store.readStream(s));
      await store.saveSnapshot({ streamId: s, version: 3, schemaVersion: 1, state: { sum: 6 } });
      const withSnap = await loadStream(store, s, { snapshotSchemaVersion: 1, commandId });
      expect(withSnap.snapshot).toEqual({ streamId: s, version: 3, schemaVersion: 1, state: { sum: 6 } });
      expect(withSnap.events).toEqual(await store.readStream(s, { fromVersion: 4 }));
      expect(withSnap.outcome).toEqual(await store.findOutcome(commandId));
      expect((withSnap.outcome?.reply as { positions: string[] }).positions).toEqual(bare.events.map((e) => e.position));
      const otherSchema = await loadStream(store, s, { snapshotSchemaVersion: 2, commandId: unique('none') });
      expect(otherSchema.snapshot).toBeUndefined();
      expect(otherSchema.outcome).toBeUndefined();
      expect(otherSchema.events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
      expect((await loadStream(store, unique('Missing'), { snapshotSchemaVersion: 1 })).events).toEqual([]);
    });
  });
};
