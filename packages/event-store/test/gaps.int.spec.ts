import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlEventStore, pgExecutor, START, type RecordedEvent, type SqlExecutor } from '../src/index.ts';

// Gap stress test (PostgreSQL only). Writers take their position (insert) and then pause a few
// ms before committing, some roll back; a reader that trusts `global_seq > last seen` skips
// events that commit late with a lower number, ours (xmin guard) must not.
// On PGlite there is one connection, so transactions cannot overlap: appends serialise and
// there are no gaps to find; the contract suite still runs there (pglite.int.spec.ts).

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
class Abort extends Error {}

/**
 * Wraps an executor so each append transaction sleeps after its writes and sometimes rolls back.
 * Single-event-path appends are one `append_events` call in autocommit: the wrapper runs that call
 * inside a transaction of its own, then pauses (and sometimes rolls back) before committing.
 */
const pausingExecutor = (inner: SqlExecutor, random: () => number, enabled: () => boolean): SqlExecutor => {
  const pauseOrAbort = async (tx: Pick<SqlExecutor, 'query'>): Promise<void> => {
    await tx.query('SELECT pg_sleep($1)', [(1 + random() * 6) / 1000]);
    if (random() < 0.15) throw new Abort('rolled back on purpose');
  };
  return {
    ...inner,
    query: <R,>(text: string, params?: readonly unknown[]): Promise<R[]> =>
      enabled() && /\.append_events(_group)?2\(/.test(text)
        ? inner.transaction(async (tx) => {
            const rows = await tx.query<R>(text, params);
            await pauseOrAbort(tx);
            return rows;
          })
        : inner.query<R>(text, params),
    transaction: (fn) =>
      inner.transaction(async (tx) => {
        const result = await fn(tx);
        if (!enabled()) return result; // the migration runs undisturbed
        await pauseOrAbort(tx);
        return result;
      }),
  };
};

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase('event_store_gaps');
  pool = new pg.Pool({ connectionString: db.url, max: 40 });
  pool.on('error', () => undefined); // idle clients cut at DROP DATABASE ... WITH (FORCE)
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('gapless global order under concurrent writers (PostgreSQL)', () => {
  const WRITERS = 32;
  const APPENDS = 10;
  const results: { seed: number; committed: number; aborted: number; naiveSkips: number; oursSkips: number; oursDuplicates: number }[] = [];

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the subscriber gets every committed event exactly once and in order; a naive reader skips`, async () => {
      const random = mulberry32(seed);
      let pausing = false;
      const store = await createSqlEventStore(pausingExecutor(pgExecutor(pool), random, () => pausing), { schema: `gaps_${seed}` });
      pausing = true;
      const received: RecordedEvent[] = [];
      const sub = store.subscribe({ from: START, pollMs: 2, onEvent: (e) => void received.push(e) });

      // The negative control: polls the same table trusting global_seq.
      const naiveSeen = new Set<string>();
      let naiveLast = 0n;
      let writing = true;
      const naive = (async () => {
        while (writing) {
          const { rows } = await pool.query<{ seq: string; id: string }>(
            `SELECT global_seq::text AS seq, event_id::text AS id FROM gaps_${seed}.events WHERE global_seq > $1 ORDER BY global_seq LIMIT 500`,
            [naiveLast.toString()],
          );
          for (const r of rows) {
            naiveSeen.add(r.id);
            naiveLast = BigInt(r.seq);
          }
          if (rows.length === 0) await new Promise((r) => setTimeout(r, 1));
        }
      })();

      // Noise: transactions that hold an id but write no events (the reader must not wait for them, nor be fooled by them).
      await pool.query(`CREATE TABLE IF NOT EXISTS gaps_noise_${seed} (n int)`);
      let noiseTransactions = 0;
      const noise = (async () => {
        const client = await pool.connect();
        try {
          while (writing) {
            await client.query('BEGIN');
            await client.query(`INSERT INTO gaps_noise_${seed} VALUES (1)`);
            await client.query('SELECT pg_sleep($1)', [random() * 0.02]);
            await client.query('COMMIT');
            noiseTransactions++;
          }
        } finally {
          client.release();
        }
      })();

      const committed: RecordedEvent[] = [];
      let aborted = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < APPENDS; i++) {
            const streamId = `Gap-${Math.floor(random() * 12)}`;
            const meta = { commandId: `s${seed}-w${w}-${i}`, correlationId: 'gaps', actor: { service: 'gaps' }, occurredAt: '2024-01-01T00:00:00.000Z' };
            try {
              const r = await store.append(streamId, [{ type: 'Tick', data: { w, i }, metadata: meta }, { type: 'Tock', data: { w, i }, metadata: meta }], { expectedVersion: 'any' });
              committed.push(...r.events);
            } catch (e) {
              if (!(e instanceof Error && e.cause instanceof Abort)) throw e;
              aborted += 1;
            }
          }
        }),
      );
      writing = false;
      await naive;
      await noise;
      expect(noiseTransactions).toBeGreaterThan(0);
      const t1 = Date.now();
      const deadline = Date.now() + 10_000;
      while (received.length < committed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50)); // would surface duplicates delivered late
      const t2 = Date.now();
      await sub.stop();
      await store.close();

      const committedIds = new Set(committed.map((e) => e.id));
      const receivedIds = received.map((e) => e.id);
      const oursSkips = [...committedIds].filter((id) => !receivedIds.includes(id)).length;
      const oursDuplicates = receivedIds.length - new Set(receivedIds).size;
      const naiveSkips = [...committedIds].filter((id) => !naiveSeen.has(id)).length;
      results.push({ seed, committed: committed.length, aborted, naiveSkips, oursSkips, oursDuplicates });
      console.log(`gaps seed ${seed}: committed ${committed.length} events, ${aborted} appends rolled back, naive reader skipped ${naiveSkips}, subscriber skipped ${oursSkips}, duplicates ${oursDuplicates} (writing ${t1 - t0} ms, catching up ${t2 - t1} ms)`);

      expect(aborted).toBeGreaterThan(0);
      expect(oursSkips).toBe(0);
      expect(oursDuplicates).toBe(0);
      expect(receivedIds.length).toBe(committed.length);
      expect(new Set(receivedIds)).toEqual(committedIds);
      for (let i = 1; i < received.length; i++) expect(received[i - 1]!.position < received[i]!.position).toBe(true);
      // Per stream, the global order follows the stream versions, without holes.
      const versions = new Map<string, number>();
      for (const e of received) {
        expect(e.streamVersion).toBe((versions.get(e.streamId) ?? 0) + 1);
        versions.set(e.streamId, e.streamVersion);
      }
    });
  }

  it('the negative control can fail: the naive reader skipped committed events', () => {
    expect(results).toHaveLength(3);
    expect(results.reduce((n, r) => n + r.naiveSkips, 0)).toBeGreaterThan(0);
  });
});
