import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  createPostgresEventStore,
  createSqlEventStore,
  DuplicateCommandError,
  EventStoreError,
  IdempotencyKeyReusedError,
  migrate,
  migrations,
  pgExecutor,
  START,
  verifyChain,
  ZERO_HASH,
  type SqlEventStore,
} from '../src/index.ts';
import { contractUpcasters, eventStoreContract } from './contract.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('event_store');
});
afterAll(async () => {
  await db?.drop();
});

eventStoreContract('postgres', () => createPostgresEventStore({ connectionString: db.url, schema: 'contract', upcasters: contractUpcasters }));

const meta = { commandId: 'c', correlationId: 'c', actor: { service: 't' }, occurredAt: '2024-01-01T00:00:00.000Z' };
/**
 * The streams of every event `readAll` serves from the start, read again (every 20 ms, up to
 * 5 s) until they are `expected`: for events another connection commits. A stall is a reader
 * that never catches up.
 */
const servedEventually = async (store: Pick<SqlEventStore, 'readAll'>, expected: string[]): Promise<string[]> => {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const served = (await store.readAll({ after: START })).events.map((e) => e.streamId);
    if (JSON.stringify(served) === JSON.stringify(expected) || Date.now() > deadline) return served;
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('postgres adapter specifics', () => {
  it('migrations are idempotent and safe when several processes start at once', async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(pgExecutor(p), 'racing')));
      expect(applied.flat()).toEqual(migrations.map((m) => m.version));
      expect(await migrate(pgExecutor(pools[0]!), 'racing')).toEqual([]);
      const { rows } = await pools[0]!.query('SELECT version FROM racing.schema_migrations ORDER BY version');
      expect(rows).toEqual(migrations.map((m) => ({ version: m.version })));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('a refused connection is unavailable and retriable, never a raw driver error', async () => {
    const err = await createPostgresEventStore({ connectionString: 'postgres://root@127.0.0.1:1/none', schema: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventStoreError);
    expect(err).toMatchObject({ code: 'unavailable', retriable: true });
  });

  it('a terminated backend is unavailable and retriable', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => undefined);
    const store: SqlEventStore = await createPostgresEventStore({ pool, schema: 'terminated' });
    try {
      await store.append('T-1', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      // Block the store's next read behind a lock, then kill its backend mid-query.
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE terminated.events IN ACCESS EXCLUSIVE MODE');
      const reading = store.readStream('T-1').catch((e: unknown) => e);
      for (let i = 0; i < 100; i++) {
        const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
        if (rows.length > 0) {
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.query('ROLLBACK');
      await admin.end();
      const err = await reading;
      expect(err).toBeInstanceOf(EventStoreError);
      expect(err).toMatchObject({ code: 'unavailable', retriable: true });
      // The pool replaces the dead connection: the next call works.
      expect((await store.readStream('T-1')).length).toBe(1);
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('LISTEN/NOTIFY wakes a subscriber of another store object (another process) long before its poll', async () => {
    const reader = await createPostgresEventStore({ connectionString: db.url, schema: 'notify' });
    const writer = await createPostgresEventStore({ connectionString: db.url, schema: 'notify' });
    try {
      const seen: string[] = [];
      const sub = reader.subscribe({ from: START, pollMs: 60_000, onEvent: (e) => void seen.push(e.streamId) });
      await new Promise((r) => setTimeout(r, 300)); // the first (empty) read and LISTEN are done
      const t = Date.now();
      await writer.append('N-1', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      while (seen.length === 0 && Date.now() - t < 15_000) await new Promise((r) => setTimeout(r, 10));
      await sub.stop();
      expect(seen).toEqual(['N-1']);
      expect(Date.now() - t).toBeLessThan(15_000);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('one round trip per append when the head is known; a stale head (another store object wrote) is retried, a real conflict refused', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    let statements = 0;
    const counting = pgExecutor(pool);
    const executor = {
      ...counting,
      query: <R,>(text: string, params?: readonly unknown[]) => {
        // The wake-up NOTIFY is sent after commit, not awaited by the append: not counted.
        if (!text.startsWith('SELECT pg_notify(')) statements += 1;
        return counting.query<R>(text, params);
      },
    };
    const a = await createSqlEventStore(executor, { schema: 'heads' });
    const b = await createPostgresEventStore({ connectionString: db.url, schema: 'heads' });
    try {
      const m = (commandId: string) => ({ ...meta, commandId });
      statements = 0;
      await a.append('H-1', [{ type: 'A', data: { n: 1 }, metadata: m('h1') }], { expectedVersion: 'no_stream' });
      await a.append('H-1', [{ type: 'A', data: { n: 2 }, metadata: m('h2') }], { expectedVersion: 1 });
      expect(statements).toBe(2);
      // b moves the head behind a's back: a's guess (version 2) is stale for 'any'.
      await b.append('H-1', [{ type: 'B', data: { n: 3 }, metadata: m('h3') }], { expectedVersion: 2 });
      const r = await a.append('H-1', [{ type: 'A', data: { n: 4 }, metadata: m('h4') }], { expectedVersion: 'any' });
      expect(r.nextVersion).toBe(4);
      await expect(a.append('H-1', [{ type: 'A', data: {}, metadata: m('h5') }], { expectedVersion: 2 })).rejects.toBeInstanceOf(ConcurrencyError);
      const read = await b.readStream('H-1');
      expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4]);
      expect(verifyChain(read).ok).toBe(true);
      expect(await b.streamHead('H-1')).toEqual({ version: 4, hash: read[3]!.hash });
    } finally {
      await a.close();
      await b.close();
      await pool.end();
    }
  });

  it('a twin that keeps the same command id on another stream first makes the append roll back and report its outcome (single call and group)', async () => {
    // One call at a time: appends arriving while one runs go together as one group.
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const base = pgExecutor(pool, { ownsPool: true });
    const calls: string[] = [];
    const store = await createSqlEventStore(
      {
        ...base,
        query: <R,>(text: string, params?: readonly unknown[], o?: { prepare?: boolean }) => {
          const m = /append_events(_group)?2\(/.exec(text);
          if (m) calls.push(m[1] ? 'group' : 'one');
          return base.query<R>(text, params, o);
        },
      },
      { schema: 'twins', groupCommit: { maxInFlight: 1 } },
    );
    const admin = new pg.Client({ connectionString: db.url });
    const watcher = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await watcher.connect();
    try {
      const keep = (commandId: string, requestHash: string) => ({ commandId, requestHash, reply: (r: { positions: string[] }) => ({ positions: r.positions }) });
      const ev = (commandId: string) => [{ type: 'A', data: {}, metadata: { ...meta, commandId } }];
      // The twin's outcome is inserted but not committed while our append looks for it.
      const twinKeeps = async (commandId: string, requestHash: string) => {
        await admin.query('BEGIN');
        await admin.query(
          `INSERT INTO twins.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts) VALUES ($1, $2, '{"positions":["twin"]}', '2024-01-01T00:00:00.000Z', now())`,
          [commandId, requestHash],
        );
      };
      // Seen from a third connection (inside a transaction, pg_stat_activity is a snapshot taken once).
      const waitUntilBlocked = async () => {
        for (let i = 0; i < 300; i++) {
          const { rows } = await watcher.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%append_events%'`,
          );
          if (Number(rows[0]!.n) > 0) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error('the append never waited for the twin');
      };
      // Another payload under the same id: refused as a reuse, and nothing of ours is stored.
      await twinKeeps('tw-1', 'other-hash');
      const reused = store.append('TW-1', ev('tw-1'), { expectedVersion: 'no_stream', idempotency: keep('tw-1', 'h') }).catch((e: unknown) => e);
      // Our lookup ran before the twin committed: the append reaches its own outcome insert and waits there.
      await waitUntilBlocked();
      await admin.query('COMMIT');
      expect(await reused).toBeInstanceOf(IdempotencyKeyReusedError);
      expect(await store.readStream('TW-1')).toEqual([]);
      expect(await store.streamHead('TW-1')).toEqual({ version: 0, hash: ZERO_HASH });
      // The same payload: a duplicate with the twin's reply. Two appends at once go as one group.
      await twinKeeps('tw-2', 'h');
      calls.length = 0;
      const [other, dup] = await Promise.all([
        store.append('TW-3', ev('tw-3'), { expectedVersion: 'no_stream', idempotency: keep('tw-3', 'h') }),
        store.append('TW-2', ev('tw-2'), { expectedVersion: 'no_stream', idempotency: keep('tw-2', 'h') }).catch((e: unknown) => e),
        store.append('TW-4', ev('tw-4'), { expectedVersion: 'no_stream', idempotency: keep('tw-4', 'h') }),
        store.append('TW-5', ev('tw-5'), { expectedVersion: 'no_stream', idempotency: keep('tw-5', 'h') }),
        store.append('TW-6', ev('tw-6'), { expectedVersion: 'no_stream', idempotency: keep('tw-6', 'h') }),
        store.append('TW-7', ev('tw-7'), { expectedVersion: 'no_stream', idempotency: keep('tw-7', 'h') }),
        (async () => {
          await waitUntilBlocked();
          await admin.query('COMMIT');
        })(),
      ]);
      // TW-3 alone, then the five waiting as one group, which the twin's outcome rolled back: each again alone.
      expect(calls).toEqual(['one', 'group', 'one', 'one', 'one', 'one', 'one']);
      expect(dup).toBeInstanceOf(DuplicateCommandError);
      expect((dup as DuplicateCommandError).reply).toEqual({ positions: ['twin'] });
      expect(await store.readStream('TW-2')).toEqual([]);
      // The others in flight with it were stored once each, with their own outcomes.
      expect((other as { nextVersion: number }).nextVersion).toBe(1);
      for (const k of [3, 4, 5, 6, 7]) {
        const events = await store.readStream(`TW-${k}`);
        expect(events).toHaveLength(1);
        expect((await store.findOutcome(`tw-${k}`))?.reply).toEqual({ positions: [events[0]!.position] });
      }
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
      await watcher.end();
      await store.close();
    }
  });

  it('keeps the reply with the real positions, also for replies that do not copy positions verbatim (transactional path)', async () => {
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'replies' });
    expect(typeof store.loadStream).toBe('function'); // the contract's loadStream case runs the one-query read here
    try {
      const ev = (commandId: string) => [
        { type: 'A', data: { i: 1 }, metadata: { ...meta, commandId } },
        { type: 'B', data: { i: 2 }, metadata: { ...meta, commandId } },
      ];
      const copied = await store.append('R-1', ev('copy'), {
        expectedVersion: 'no_stream',
        idempotency: { commandId: 'copy', requestHash: 'h', reply: (r) => ({ positions: r.positions, last: `at ${r.positions[1]!}`, ids: r.events.map((e) => e.id) }) },
      });
      expect((await store.findOutcome('copy'))?.reply).toEqual({ positions: copied.positions, last: `at ${copied.positions[1]!}`, ids: copied.events.map((e) => e.id) });
      // A reply that computes from the positions cannot be templated: it still gets kept atomically.
      const computed = await store.append('R-2', ev('computed'), {
        expectedVersion: 'no_stream',
        idempotency: { commandId: 'computed', requestHash: 'h', reply: (r) => ({ seqs: r.positions.map((p) => Number(p.split(':')[1])) }) },
      });
      expect((await store.findOutcome('computed'))?.reply).toEqual({ seqs: computed.positions.map((p) => Number(p.split(':')[1])) });
      await expect(store.append('R-2', ev('computed'), { expectedVersion: 'any', idempotency: { commandId: 'computed', requestHash: 'h', reply: () => null } })).rejects.toBeInstanceOf(
        DuplicateCommandError,
      );
      expect(await store.readStream('R-2')).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('throttled NOTIFY after commit: an append while a NOTIFY is in flight still wakes another store object (trailing NOTIFY)', async () => {
    const reader = await createPostgresEventStore({ connectionString: db.url, schema: 'notify_trailing' });
    // The writer's first NOTIFY is delivered at once but its call resolves 6 s later; the second
    // append comes after the reader's quick retries (about 4.5 s) are over, while that NOTIFY is
    // still in flight: only a trailing NOTIFY wakes the reader before its 60 s poll.
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const inner = pgExecutor(pool, { ownsPool: true });
    let notifies = 0;
    const slowNotify = {
      ...inner,
      query: async <R,>(text: string, params?: readonly unknown[]) => {
        const rows = await inner.query<R>(text, params);
        if (text.startsWith('SELECT pg_notify(') && (notifies += 1) === 1) await new Promise((r) => setTimeout(r, 6000));
        return rows;
      },
    };
    const writer = await createSqlEventStore(slowNotify, { schema: 'notify_trailing' });
    try {
      const seen: string[] = [];
      const sub = reader.subscribe({ from: START, pollMs: 60_000, onEvent: (e) => void seen.push(e.streamId) });
      await new Promise((r) => setTimeout(r, 300));
      await writer.append('NT-1', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      await new Promise((r) => setTimeout(r, 5000));
      const t = Date.now();
      await writer.append('NT-2', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      while (seen.length < 2 && Date.now() - t < 15_000) await new Promise((r) => setTimeout(r, 10));
      await sub.stop();
      expect(seen).toEqual(['NT-1', 'NT-2']);
      expect(notifies).toBe(2);
    } finally {
      await reader.close();
      await writer.close();
    }
  }, 30_000);

  it('a long transaction that writes no events (here in another database) does not stall readers; an append in progress does, until it commits', async () => {
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'stall' });
    const other = await createTestDatabase('event_store_stall_other');
    const long = new pg.Client({ connectionString: other.url });
    const appender = new pg.Client({ connectionString: db.url });
    await long.connect();
    await appender.connect();
    try {
      await store.append('St-1', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      await long.query('BEGIN');
      await long.query('CREATE TABLE t (n int)'); // holds a transaction id until it ends
      await store.append('St-2', [{ type: 'A', data: {}, metadata: { ...meta, commandId: 'st2' } }], { expectedVersion: 'no_stream' });
      // Served while the long transaction stays open (it ends only at the test's end).
      expect(await servedEventually(store, ['St-1', 'St-2'])).toEqual(['St-1', 'St-2']);
      // An appender in progress (it holds the store lock and an id): nothing after its position is served yet.
      await appender.query('BEGIN');
      await appender.query(`SELECT stall.append_events2('St-3', 'cs-es:stall:s:St-3', 'cs-es:stall:all', 'x', 0, $1, NULL, NULL, NULL, ARRAY['t'], '2024-01-01T00:00:00.000Z',
        ARRAY['00000000-0000-4000-8000-0000000000a3'], ARRAY['A'], ARRAY[1], '[{}]', $2::jsonb, ARRAY['h3'], ARRAY[$1])`, [ZERO_HASH, JSON.stringify([meta])]);
      await store.append('St-4', [{ type: 'A', data: {}, metadata: { ...meta, commandId: 'st4' } }], { expectedVersion: 'no_stream' });
      expect((await store.readAll({ after: START })).events.map((e) => e.streamId)).toEqual(['St-1', 'St-2']);
      await appender.query('COMMIT');
      expect(await servedEventually(store, ['St-1', 'St-2', 'St-3', 'St-4'])).toEqual(['St-1', 'St-2', 'St-3', 'St-4']);
      await long.query('ROLLBACK');
    } finally {
      await long.end();
      await appender.end();
      await store.close();
      await other.drop();
    }
  });

  it('a committed append is served by the very next readAll while other databases commit small transactions all the time', async () => {
    // pg_locks is read before the reading statement's snapshot: a transaction of any database
    // that ends in between no longer makes a reader hold back (read after the snapshot, ~0.2 % of
    // these reads saw nothing).
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'next_read' });
    const other = await createTestDatabase('event_store_next_read_other');
    const busy = new pg.Pool({ connectionString: other.url, max: 3 });
    busy.on('error', () => undefined);
    let stop = false;
    try {
      await busy.query('CREATE TABLE t (n int)');
      const commits = Array.from({ length: 3 }, async () => {
        while (!stop) await busy.query('INSERT INTO t VALUES (1)');
      });
      let last = START;
      const unseen: number[] = [];
      for (let i = 0; i < 2_000; i++) {
        await store.append(`Next-${i}`, [{ type: 'A', data: { i }, metadata: { ...meta, commandId: `next-${i}` } }], { expectedVersion: 'no_stream' });
        let page = await store.readAll({ after: last, limit: 10, ...(i % 2 ? { types: ['A'] } : {}) });
        if (page.events.length !== 1) unseen.push(i);
        // An unseen one is waited for (up to 5 s), so the next round starts after it.
        for (const deadline = Date.now() + 5_000; page.events.length === 0 && Date.now() < deadline; ) {
          await new Promise((r) => setTimeout(r, 10));
          page = await store.readAll({ after: last, limit: 10 });
        }
        last = page.last;
      }
      stop = true;
      await Promise.all(commits);
      expect(unseen).toEqual([]);
    } finally {
      stop = true;
      await busy.end();
      await store.close();
      await other.drop();
    }
  });

  it('a transaction waiting on an append in progress (here a twin claiming its command id without the store lock) does not let readers pass that append', async () => {
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'waiter' });
    const appender = new pg.Client({ connectionString: db.url });
    const twin = new pg.Client({ connectionString: db.url });
    await appender.connect();
    await twin.connect();
    try {
      await store.append('W-1', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      // An append in progress under command id 'w2': it holds the store lock, an id and the outcome row.
      await appender.query('BEGIN');
      await appender.query(`SELECT waiter.append_events2('W-2', 'cs-es:waiter:s:W-2', 'cs-es:waiter:all', 'x', 0, $1, 'w2', 'h', '{}', ARRAY['t'], '2024-01-01T00:00:00.000Z',
        ARRAY['00000000-0000-4000-8000-0000000000b2'], ARRAY['A'], ARRAY[1], '[{}]', $2::jsonb, ARRAY['h2'], ARRAY[$1])`, [ZERO_HASH, JSON.stringify([meta])]);
      // The twin (saveOutcome's claim takes no store lock) waits on the appender's transaction id.
      const claim = store.saveOutcome({ commandId: 'w2', requestHash: 'other', reply: { rejected: true } }).catch((e: unknown) => e);
      await twin.query('SELECT 1'); // a connection of its own, to look at pg_locks
      for (let n = 0; ; n++) {
        const { rows } = await twin.query(`SELECT count(*)::int AS c FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted`);
        if (rows[0].c > 0) break;
        if (n > 250) throw new Error('the claim never waited on the append');
        await new Promise((r) => setTimeout(r, 20));
      }
      await store.append('W-3', [{ type: 'A', data: {}, metadata: { ...meta, commandId: 'w3' } }], { expectedVersion: 'no_stream' });
      // Nothing after the append in progress is served: W-3 comes after it in position order.
      for (const types of [undefined, ['A']]) expect((await store.readAll({ after: START, ...(types ? { types } : {}) })).events.map((e) => e.streamId)).toEqual(['W-1']);
      await appender.query('COMMIT');
      expect(await claim).toBeInstanceOf(IdempotencyKeyReusedError);
      expect(await servedEventually(store, ['W-1', 'W-2', 'W-3'])).toEqual(['W-1', 'W-2', 'W-3']);
    } finally {
      await appender.query('ROLLBACK').catch(() => undefined);
      await appender.end();
      await twin.end();
      await store.close();
    }
  });

  it('pruneOutcomes deletes outcomes older than the given time only', async () => {
    let now = new Date('2024-01-01T00:00:00.000Z');
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'prune', clock: () => now });
    try {
      await store.saveOutcome({ commandId: 'old', requestHash: 'h', reply: {} });
      now = new Date('2024-03-01T00:00:00.000Z');
      await store.saveOutcome({ commandId: 'new', requestHash: 'h', reply: {} });
      expect(await store.pruneOutcomes('2024-02-01T00:00:00.000Z')).toBe(1);
      expect(await store.findOutcome('old')).toBeUndefined();
      expect(await store.findOutcome('new')).toMatchObject({ recordedAt: '2024-03-01T00:00:00.000Z' });
      expect(await store.pruneOutcomes('yesterday-ish').catch((e: unknown) => (e as EventStoreError).code)).toBe('invalid_event');
    } finally {
      await store.close();
    }
  });
  it('readAll with chain: false does not send the hashes (both empty), with and without a type filter; the default still does', async () => {
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'chainless' });
    try {
      await store.append('Chainless-1', [{ type: 'A', data: { i: 1 }, metadata: meta }, { type: 'B', data: { i: 2 }, metadata: meta }], { expectedVersion: 'no_stream' });
      for (const types of [undefined, ['A', 'B']]) {
        const lean = (await store.readAll({ after: START, chain: false, ...(types ? { types } : {}) })).events;
        expect(lean.map((e) => [e.type, e.hash, e.prevHash])).toEqual([['A', '', ''], ['B', '', '']]);
        // A chain-less read cannot pass for a verified one.
        expect(verifyChain(lean).ok).toBe(false);
        const full = (await store.readAll({ after: START, ...(types ? { types } : {}) })).events;
        expect(verifyChain(full).ok).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});
