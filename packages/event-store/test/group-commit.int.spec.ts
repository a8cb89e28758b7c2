import { createTestDatabase, sharedPglite, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  createPgliteEventStore,
  createPostgresEventStore,
  DuplicateCommandError,
  EventStoreError,
  START,
  verifyChain,
  type AppendResult,
  type NewEvent,
  type SqlEventStore,
  type SqlEventStoreOptions,
} from '../src/index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('event_store_group');
});
afterAll(async () => {
  await db?.drop();
});

const meta = (commandId: string) => ({ commandId, correlationId: commandId, actor: { service: 't' }, occurredAt: '2024-01-01T00:00:00.000Z' });
const ev = (tag: string, n = 1): NewEvent => ({ type: 'A', data: { tag, n }, metadata: meta(`c-${tag}-${n}`) });
const txOf = (position: string): string => position.split(':')[0]!;

type Open = (schema: string, groupCommit?: SqlEventStoreOptions['groupCommit']) => Promise<SqlEventStore>;

/** Every event of the store, once, in the global order; each stream's chain intact. */
const checkLog = async (store: SqlEventStore, expected: Map<string, number>): Promise<void> => {
  const seen: string[] = [];
  for (let after = START; ; ) {
    const page = await store.readAll({ after, limit: 100 });
    if (page.events.length === 0) break;
    seen.push(...page.events.map((e) => e.id));
    after = page.last;
  }
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.length).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  for (const [streamId, count] of expected) {
    const events = await store.readStream(streamId, { raw: true });
    expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(verifyChain(events).ok).toBe(true);
    const positions = events.map((e) => e.position);
    expect([...positions].sort()).toEqual(positions);
  }
};

const groupCommitSuite = (name: string, open: Open): void => {
  describe(`group commit (${name})`, () => {
    it('appends waiting for a free call go together, one transaction per group, each with its own result', async () => {
      const store = await open(`${name}_together`, { maxInFlight: 1 });
      try {
        // The first append takes the only call; the 99 that arrive meanwhile wait and go in groups.
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(`G-${i}`, [ev(`g${i}`)], { expectedVersion: 'no_stream' })));
        expect(results.map((r) => r.nextVersion)).toEqual(results.map(() => 1));
        const txs = new Set(results.map((r) => txOf(r.positions[0]!)));
        expect(txs.size).toBeLessThan(10);
        expect(new Set(results.flatMap((r) => r.positions)).size).toBe(100);
        await checkLog(store, new Map(results.map((r) => [r.streamId, 1])));
      } finally {
        await store.close();
      }
    });

    it('at most maxAppends appends and maxEvents events per group; one append over maxEvents goes alone', async () => {
      const store = await open(`${name}_limits`, { maxInFlight: 1, maxAppends: 5, maxEvents: 7 });
      try {
        await store.append('L-warm', [ev('warm')], { expectedVersion: 'no_stream' });
        const sizes = [1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 9, 2, 2];
        const results = await Promise.all(sizes.map((n, i) => store.append(`L-${i}`, Array.from({ length: n }, (_, k) => ev(`l${i}`, k + 1)), { expectedVersion: 'no_stream' })));
        const perTx = new Map<string, { appends: number; events: number }>();
        for (const r of results) {
          const t = txOf(r.positions[0]!);
          expect(new Set(r.positions.map(txOf)).size).toBe(1);
          const g = perTx.get(t) ?? { appends: 0, events: 0 };
          perTx.set(t, { appends: g.appends + 1, events: g.events + r.positions.length });
        }
        for (const g of perTx.values()) {
          expect(g.appends).toBeLessThanOrEqual(5);
          if (g.appends > 1) expect(g.events).toBeLessThanOrEqual(7);
        }
        expect([...perTx.values()].some((g) => g.appends > 1)).toBe(true);
        await checkLog(store, new Map([['L-warm', 1], ...results.map((r): [string, number] => [r.streamId, r.nextVersion])]));
      } finally {
        await store.close();
      }
    });

    it('a stale head guess in a group is retried for that append only; a real conflict is refused for that append only', async () => {
      const a = await open(`${name}_stale`, { maxInFlight: 1 });
      const b = await open(`${name}_stale`, { maxInFlight: 1 });
      try {
        await a.append('S-x', [ev('x', 1)], { expectedVersion: 'no_stream' });
        await a.append('S-y', [ev('y', 1)], { expectedVersion: 'no_stream' });
        await b.append('S-x', [ev('x', 2)], { expectedVersion: 1 }); // `a` still guesses head 1 for S-x
        await b.append('S-y', [ev('y', 2)], { expectedVersion: 1 });
        const warm = a.append('S-warm', [ev('warm')], { expectedVersion: 'no_stream' });
        const others = Array.from({ length: 10 }, (_, i) => a.append(`S-${i}`, [ev(`s${i}`)], { expectedVersion: 'no_stream' }));
        const stale = a.append('S-x', [ev('x', 3)], { expectedVersion: 'any' });
        const conflict = a.append('S-y', [ev('y', 3)], { expectedVersion: 1 }).catch((e: unknown) => e);
        const results = await Promise.all([warm, ...others, stale]);
        expect(await conflict).toBeInstanceOf(ConcurrencyError);
        expect(results.at(-1)!.nextVersion).toBe(3);
        // The ten new streams went in one group with the stale and the conflicting append.
        expect(new Set(results.slice(1, 11).map((r) => txOf(r.positions[0]!))).size).toBe(1);
        await checkLog(a, new Map([['S-x', 3], ['S-y', 2], ['S-warm', 1], ...results.slice(1, 11).map((r): [string, number] => [r.streamId, 1])]));
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a group the server refuses as a whole (a reused event id) is retried one append at a time: only the bad append fails', async () => {
      const store = await open(`${name}_refused`, { maxInFlight: 1 });
      try {
        await store.append('R-first', [{ ...ev('first'), id: '00000000-0000-4000-8000-000000000001' }], { expectedVersion: 'no_stream' });
        const warm = store.append('R-warm', [ev('warm')], { expectedVersion: 'no_stream' });
        const good = Array.from({ length: 8 }, (_, i) => store.append(`R-${i}`, [ev(`r${i}`)], { expectedVersion: 'no_stream' }));
        const bad = store.append('R-bad', [{ ...ev('bad'), id: '00000000-0000-4000-8000-000000000001' }], { expectedVersion: 'no_stream' }).catch((e: unknown) => e);
        const results = await Promise.all([warm, ...good]);
        const err = await bad;
        expect(err).toBeInstanceOf(EventStoreError);
        expect(err).toMatchObject({ code: 'invalid_event' });
        expect((await store.streamHead('R-bad')).version).toBe(0);
        await checkLog(store, new Map([['R-first', 1], ...results.map((r): [string, number] => [r.streamId, 1])]));
      } finally {
        await store.close();
      }
    });

    it('idempotency inside a group: a command id already kept is a duplicate with its reply; a stale append keeps its outcome once, with the real positions', async () => {
      const a = await open(`${name}_idem`, { maxInFlight: 1 });
      const b = await open(`${name}_idem`, { maxInFlight: 1 });
      try {
        const reply = (r: AppendResult) => ({ positions: r.positions, next: r.nextVersion });
        await a.append('I-x', [ev('x', 1)], { expectedVersion: 'no_stream' });
        await b.append('I-x', [ev('x', 2)], { expectedVersion: 1 }); // `a` still guesses head 1
        const kept = await a.append('I-k', [ev('k', 1)], { expectedVersion: 'no_stream', idempotency: { commandId: 'cmd-k', requestHash: 'hk', reply } });
        const warm = a.append('I-warm', [ev('warm')], { expectedVersion: 'no_stream' });
        const duplicate = a.append('I-k2', [ev('k2', 1)], { expectedVersion: 'no_stream', idempotency: { commandId: 'cmd-k', requestHash: 'hk', reply } }).catch((e: unknown) => e);
        const stale = a.append('I-x', [ev('x', 3)], { expectedVersion: 'any', idempotency: { commandId: 'cmd-x', requestHash: 'hx', reply } });
        // two appends of one new command in the same group: the second is its duplicate
        const first = a.append('I-t1', [ev('t1', 1)], { expectedVersion: 'no_stream', idempotency: { commandId: 'cmd-t', requestHash: 'ht', reply } });
        const twin = a.append('I-t2', [ev('t2', 1)], { expectedVersion: 'no_stream', idempotency: { commandId: 'cmd-t', requestHash: 'ht', reply } }).catch((e: unknown) => e);
        const [, staleResult, firstResult] = await Promise.all([warm, stale, first]);
        const dup = await duplicate;
        expect(dup).toBeInstanceOf(DuplicateCommandError);
        expect((dup as DuplicateCommandError).reply).toEqual(reply(kept));
        expect(staleResult.nextVersion).toBe(3);
        expect((await a.findOutcome('cmd-x'))?.reply).toEqual(reply(staleResult));
        const t = await twin;
        expect(t).toBeInstanceOf(DuplicateCommandError);
        expect((t as DuplicateCommandError).reply).toEqual(reply(firstResult));
        expect((await a.streamHead('I-k2')).version).toBe(0);
        expect((await a.streamHead('I-t2')).version).toBe(0);
        await checkLog(a, new Map([['I-x', 3], ['I-k', 1], ['I-warm', 1], ['I-t1', 1]]));
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('close() lets the appends it accepted before closing finish; later ones are refused', async () => {
      const store = await open(`${name}_close`, { maxInFlight: 1 });
      const pending = Array.from({ length: 30 }, (_, i) => store.append(`C-${i}`, [ev(`c${i}`)], { expectedVersion: 'no_stream' }));
      await store.close();
      const results = await Promise.all(pending);
      expect(results.map((r) => r.nextVersion)).toEqual(results.map(() => 1));
      await expect(store.append('C-late', [ev('late')], { expectedVersion: 'no_stream' })).rejects.toMatchObject({ code: 'unavailable' });
      const again = await open(`${name}_close`, { maxInFlight: 1 });
      try {
        await checkLog(again, new Map(results.map((r) => [r.streamId, 1])));
      } finally {
        await again.close();
      }
    });

    it('groupCommit false: every append in its own transaction', async () => {
      const store = await open(`${name}_off`, false);
      try {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(`O-${i}`, [ev(`o${i}`)], { expectedVersion: 'no_stream' })));
        expect(new Set(results.map((r) => txOf(r.positions[0]!))).size).toBe(20);
        await checkLog(store, new Map(results.map((r) => [r.streamId, 1])));
      } finally {
        await store.close();
      }
    });
  });
};

groupCommitSuite('postgres', (schema, groupCommit) => createPostgresEventStore({ connectionString: db.url, schema, max: 8, groupCommit }));
// One PGlite per worker; store objects opened with the same name share a schema.
groupCommitSuite('pglite', async (schema, groupCommit) => createPgliteEventStore((await sharedPglite()).db, { schema: `gc_${schema}`, groupCommit }));

describe('group commit under real parallelism (postgres)', () => {
  it('400 appends from 64 callers over 40 streams, two store objects: none lost, duplicated or out of order', async () => {
    const a = await createPostgresEventStore({ connectionString: db.url, schema: 'parallel', max: 8, groupCommit: { maxInFlight: 3 } });
    const b = await createPostgresEventStore({ connectionString: db.url, schema: 'parallel', max: 8, groupCommit: { maxInFlight: 2 } });
    try {
      let next = 0;
      const counts = new Map<string, number>();
      const worker = async (w: number): Promise<void> => {
        while (next < 400) {
          const i = next++;
          const streamId = `P-${i % 40}`;
          await (w % 2 === 0 ? a : b).append(streamId, [ev(`p${i}`)], { expectedVersion: 'any' });
          counts.set(streamId, (counts.get(streamId) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 64 }, (_, w) => worker(w)));
      await checkLog(a, counts);
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const { rows } = await pool.query<{ n: string }>('SELECT count(DISTINCT transaction_id)::text AS n FROM parallel.events');
        expect(Number(rows[0]!.n)).toBeLessThan(400);
      } finally {
        await pool.end();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
