import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, createPostgresEventStore, migrations, prepareEventsJson, verifyChain, ZERO_HASH, type NewEvent } from '../src/index.ts';
import { quoteSchema } from '../src/sql/migrations.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('event_store_v4');
});
afterAll(async () => {
  await db?.drop();
});

const meta = { commandId: 'c', correlationId: 'c', actor: { service: 't' }, occurredAt: '2024-01-01T00:00:00.000Z' };
const ev = (type: string, n: number): NewEvent => ({ type, data: { n }, metadata: { ...meta, commandId: `c-${type}-${n}` } });

describe('append_events as of migration 4', () => {
  it('a store migrated to version 3 upgrades, and its streams keep growing with the chain and positions intact', async () => {
    const schema = 'upgrade_v3';
    const s = quoteSchema(schema);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      // A database as the previous release left it: migrations 1-3 only.
      await pool.query(`CREATE SCHEMA ${s}`);
      await pool.query(`CREATE TABLE ${s}.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      for (const m of migrations.filter((x) => x.version <= 3)) {
        const statements = m.single ? [m.sql(s)] : m.sql(s).split(';').map((x) => x.trim()).filter(Boolean);
        for (const st of statements) await pool.query(st);
        await pool.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
      const before = await pool.query<{ d: string }>(`SELECT pg_get_functiondef('${s}.append_events'::regproc) AS d`);
      expect(before.rows[0]!.d).toContain('ON CONFLICT (stream_id) DO UPDATE');
      // Two events written by the version-3 function, called as the store calls it.
      const recordedAt = '2024-01-01T00:00:00.000Z';
      const old = prepareEventsJson('U-1', [ev('A', 1), ev('A', 2)], { version: 0, hash: ZERO_HASH }, recordedAt);
      await pool.query(
        `SELECT ${s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12::text[], $13::text[], $14::int[], $15::text[], $16::text[], $17::text[], $18::text[])`,
        ['U-1', `cs-es:${schema}:s:U-1`, `cs-es:${schema}:all`, 'ch', 0, ZERO_HASH, null, null, null, ['t1', 't2'], recordedAt,
          old.events.map((e) => e.id), old.events.map((e) => e.type), [1, 1], old.data, old.metadata, old.events.map((e) => e.hash), old.events.map((e) => e.prevHash)],
      );
      const store = await createPostgresEventStore({ pool, schema });
      const { rows } = await pool.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      const after = await pool.query<{ d: string }>(`SELECT pg_get_functiondef('${s}.append_events'::regproc) AS d`);
      expect(after.rows[0]!.d).not.toContain('ON CONFLICT (stream_id) DO UPDATE');

      // a single event to a new stream, to a stream written before the upgrade (the UPDATE path), then three at once
      await store.append('U-3', [ev('A', 1)], { expectedVersion: 'no_stream' });
      await store.append('U-3', [ev('A', 2)], { expectedVersion: 1 });
      expect(verifyChain(await store.readStream('U-3', { raw: true }))).toMatchObject({ ok: true, checked: 2 });
      const r3 = await store.append('U-1', [ev('B', 3), ev('B', 4), ev('B', 5)], { expectedVersion: 2 });
      expect(r3.nextVersion).toBe(5);
      await store.append('U-2', [ev('C', 1), ev('C', 2)], { expectedVersion: 'no_stream' });
      await expect(store.append('U-1', [ev('A', 9)], { expectedVersion: 2 })).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.append('U-2', [ev('A', 9)], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);

      const read = await store.readStream('U-1', { raw: true });
      expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
      expect(verifyChain(read)).toMatchObject({ ok: true, checked: 5 });
      const positions = read.map((e) => e.position);
      expect([...positions].sort()).toEqual(positions);
      // (readAll is not compared here: it lags while any older transaction runs in the cluster, e.g. another suite's)
      expect(await store.streamHead('U-1')).toEqual({ version: 5, hash: read[4]!.hash });
      const head = await pool.query(`SELECT version FROM ${s}.streams WHERE stream_id = 'U-2'`);
      expect(head.rows).toEqual([{ version: 2 }]);

      // a second store object with a stale head guess still appends correctly (CS409, retry)
      const other = await createPostgresEventStore({ pool, schema });
      await other.readStream('U-1');
      await store.append('U-1', [ev('D', 6)], { expectedVersion: 'any' });
      const r7 = await other.append('U-1', [ev('D', 7)], { expectedVersion: 'any' });
      expect(r7.nextVersion).toBe(7);
      expect(verifyChain(await store.readStream('U-1', { raw: true }))).toMatchObject({ ok: true, checked: 7 });

      // A process of the previous release (text arrays, migration 6's append_events) still appends after migrations 8-9.
      const prev = prepareEventsJson('U-1', [ev('E', 8)], await store.streamHead('U-1'), recordedAt);
      await pool.query(
        `SELECT ${s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12::text[], $13::text[], $14::int[], $15::text[], $16::text[], $17::text[], $18::text[])`,
        ['U-1', `cs-es:${schema}:s:U-1`, `cs-es:${schema}:all`, 'ch', 7, prev.events[0]!.prevHash, null, null, null, ['t1'], recordedAt,
          prev.events.map((e) => e.id), prev.events.map((e) => e.type), [1], prev.data, prev.metadata, prev.events.map((e) => e.hash), prev.events.map((e) => e.prevHash)],
      );
      const r9 = await other.append('U-1', [ev('E', 9)], { expectedVersion: 8 });
      expect(r9.nextVersion).toBe(9);
      expect(verifyChain(await store.readStream('U-1', { raw: true }))).toMatchObject({ ok: true, checked: 9 });
    } finally {
      await pool.end();
    }
  });
});

describe('the append call as a named prepared statement', () => {
  it('is prepared once per connection, survives the schema being dropped and recreated, and can be turned off', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const store = await createPostgresEventStore({ pool, schema: 'prepared_a' });
      await store.append('P-1', [ev('A', 1)], { expectedVersion: 'no_stream' });
      await store.append('P-1', [ev('A', 2)], { expectedVersion: 1 });
      const prepared = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'cs-es-%'`);
      expect(prepared.rows).toEqual([{ n: 1 }]);
      // same text on the same connection after the schema was recreated: PostgreSQL re-plans it
      await pool.query('DROP SCHEMA prepared_a CASCADE');
      const again = await createPostgresEventStore({ pool, schema: 'prepared_a' });
      await again.append('P-1', [ev('A', 1)], { expectedVersion: 'no_stream' });
      expect((await again.readStream('P-1')).map((e) => e.streamVersion)).toEqual([1]);

      const plain = await createPostgresEventStore({ pool, schema: 'prepared_b', preparedStatements: false });
      await plain.append('P-1', [ev('A', 1)], { expectedVersion: 'no_stream' });
      const after = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'cs-es-%'`);
      expect(after.rows).toEqual([{ n: 1 }]);
      expect(verifyChain(await plain.readStream('P-1', { raw: true }))).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await pool.end();
    }
  });
});
