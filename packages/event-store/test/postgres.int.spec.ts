import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore, EventStoreError, migrate, pgExecutor, START, type SqlEventStore } from '../src/index.ts';
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

describe('postgres adapter specifics', () => {
  it('migrations are idempotent and safe when several processes start at once', async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(pgExecutor(p), 'racing')));
      expect(applied.flat()).toEqual([1]);
      expect(await migrate(pgExecutor(pools[0]!), 'racing')).toEqual([]);
      const { rows } = await pools[0]!.query('SELECT version FROM racing.schema_migrations');
      expect(rows).toEqual([{ version: 1 }]);
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
});
