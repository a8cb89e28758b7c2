import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore, EventStoreError, START } from '../src/index.ts';

// A connection the pg executor holds checked out of its pool (a subscription's LISTEN
// connection, a transaction's) that the server ends must not crash the process: pg emits
// 'error' on such a client and the pool listens only to idle ones.

const meta = { commandId: 'c', correlationId: 'x', actor: { service: 'conn-loss' }, occurredAt: '2024-01-01T00:00:00.000Z' };
let db: TestDatabase;
let admin: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('event_store_conn_loss');
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

const waitFor = async (what: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('connections ended by the server while checked out (PostgreSQL)', () => {
  it('a terminated LISTEN connection: no crash, the subscriber still delivers later appends (polling)', async () => {
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'listen_lost' });
    const got: string[] = [];
    const sub = store.subscribe({ from: START, pollMs: 20, onEvent: (e) => void got.push(e.id) });
    try {
      const listening = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()";
      await waitFor(async () => (await admin.query(listening)).rows.length > 0);
      const { rows } = await admin.query<{ t: boolean }>(`SELECT bool_and(pg_terminate_backend(pid)) AS t FROM (${listening}) AS l`);
      expect(rows[0]!.t).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      const r = await store.append('L-1', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      await waitFor(() => got.length === 1);
      expect(got).toEqual([r.events[0]!.id]);
    } finally {
      await sub.stop();
      await store.close();
    }
  });

  it('a transaction whose backend is terminated mid-flight is unavailable, no crash, and the store goes on', async () => {
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'tx_lost' });
    try {
      await store.append('B-0', [{ type: 'A', data: {}, metadata: meta }], { expectedVersion: 'no_stream' });
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tx_lost.streams IN ACCESS EXCLUSIVE MODE'); // appendBatch waits inside its transaction
      const batch = store.appendBatch!([{ streamId: 'B-1', events: [{ type: 'A', data: {}, metadata: meta }], expectedVersion: 'no_stream' }]).catch((e: unknown) => e);
      const waiting = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()";
      await waitFor(async () => (await admin.query(waiting)).rows.length > 0);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM (${waiting}) AS w`);
      const err = await batch;
      await locker.query('ROLLBACK');
      await locker.end();
      expect(err).toBeInstanceOf(EventStoreError);
      expect(err).toMatchObject({ code: 'unavailable', retriable: true });
      await new Promise((r) => setTimeout(r, 100));
      await store.appendBatch!([{ streamId: 'B-1', events: [{ type: 'A', data: {}, metadata: meta }], expectedVersion: 'no_stream' }]);
      expect((await store.readAll()).events.map((e) => e.streamId)).toEqual(['B-0', 'B-1']);
    } finally {
      await store.close();
    }
  });
});
