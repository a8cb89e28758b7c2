import { createTestDatabase, type TestDatabase } from '@cs/testing';
import type { RecordedEvent } from '@cs/event-store';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAuditMigration, auditComplaint, hashableOf, memoryAnchors, recomputeHash, sqlAccessLog, verifyStream } from '../src/index.ts';
import { chainedStream, headsFor, KEY, miniDecider } from './fixtures.ts';

// STAND-IN for the PostgreSQL event store's table (packages/event-store had not landed its
// adapter when this was written): same information, jsonb data and metadata, so the test
// proves that canonical hashing survives jsonb's key reordering and that SQL tampering is named.
const DDL = `CREATE TABLE es_events (
  position bigserial PRIMARY KEY, stream_id text NOT NULL, stream_version int NOT NULL, id text NOT NULL,
  type text NOT NULL, schema_version int NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
  hash text NOT NULL, prev_hash text NOT NULL, UNIQUE (stream_id, stream_version))`;

let db: TestDatabase;
let pool: pg.Pool;

const insert = async (events: RecordedEvent[]): Promise<void> => {
  for (const e of events)
    await pool.query(
      'INSERT INTO es_events (stream_id, stream_version, id, type, schema_version, data, metadata, hash, prev_hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
      [e.streamId, e.streamVersion, e.id, e.type, e.storedSchemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), e.hash, e.prevHash],
    );
};
const readStream = async (streamId: string): Promise<RecordedEvent[]> => {
  const { rows } = await pool.query('SELECT * FROM es_events WHERE stream_id = $1 ORDER BY stream_version', [streamId]);
  return rows.map((r) => ({
    id: r.id, streamId: r.stream_id, streamVersion: r.stream_version, position: String(r.position).padStart(20, '0'),
    type: r.type, schemaVersion: r.schema_version, storedSchemaVersion: r.schema_version, data: r.data, metadata: r.metadata,
    hash: r.hash, prevHash: r.prev_hash,
  }));
};
const stream = (id: string) =>
  chainedStream(`Complaint-${id}`, [
    { type: 'ComplaintReceived', data: { complaintId: id, number: `N-${id}`, orderId: null, zeta: 1, alpha: { b: 2, a: [1, 'x'] }, text: '破损 ü' } },
    { type: 'ComplaintAcknowledged', data: { complaintId: id } },
    { type: 'ComplaintResolved', data: { complaintId: id, resolution: 'refund', compensationFen: 500 } },
    { type: 'ComplaintClosed', data: { complaintId: id } },
  ]);
const verifyInDb = async (id: string, heads: ReturnType<typeof headsFor>) =>
  verifyStream(`Complaint-${id}`, (await readStream(`Complaint-${id}`)).map(hashableOf), heads, KEY, recomputeHash);

beforeAll(async () => {
  db = await createTestDatabase('audit_sql');
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  await pool.query(DDL);
  await applyAuditMigration(pool, { table: 'es_events', streamColumn: 'stream_id' });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('tampering on PostgreSQL is detected and named', () => {
  const cases: [string, string, string, number][] = [
    ['update', `UPDATE es_events SET data = jsonb_set(data, '{resolution}', '"none"') WHERE stream_id = 'Complaint-update' AND stream_version = 3`, 'changed', 3],
    ['delete', `DELETE FROM es_events WHERE stream_id = 'Complaint-delete' AND stream_version = 2`, 'removed', 2],
    ['swap', `UPDATE es_events SET stream_version = -2 WHERE stream_id = 'Complaint-swap' AND stream_version = 2;
      UPDATE es_events SET stream_version = 2 WHERE stream_id = 'Complaint-swap' AND stream_version = 3;
      UPDATE es_events SET stream_version = 3 WHERE stream_id = 'Complaint-swap' AND stream_version = -2`, 'reordered', 2],
    ['tail', `DELETE FROM es_events WHERE stream_id = 'Complaint-tail' AND stream_version >= 3`, 'missing_tail', 3],
  ];
  it('an intact stream read back from jsonb verifies', async () => {
    const s = stream('intact');
    await insert(s);
    expect(await verifyInDb('intact', headsFor(s))).toMatchObject({ ok: true, anchor: 'verified', eventsChecked: 4 });
  });
  for (const [id, sql, kind, version] of cases)
    it(`${kind}: ${id}`, async () => {
      const s = stream(id);
      await insert(s);
      await pool.query(sql);
      const v = await verifyInDb(id, headsFor(s));
      expect(v.ok).toBe(false);
      expect(v.firstProblem).toMatchObject({ kind, version });
    });
  it('chain_recomputed: a forger rewrites version 2 and recomputes every later hash in SQL', async () => {
    const s = stream('recomputed');
    await insert(s);
    await pool.query(`UPDATE es_events SET data = '{"complaintId":"recomputed","forged":true}' WHERE stream_id = 'Complaint-recomputed' AND stream_version = 2`);
    // recompute the chain from the database's own content, as a forger with full write access would
    const rows = await readStream('Complaint-recomputed');
    let prev = rows[0]!.hash;
    for (const e of rows.slice(1)) {
      const h = recomputeHash(hashableOf({ ...e, prevHash: prev }));
      await pool.query('UPDATE es_events SET hash = $1, prev_hash = $2 WHERE id = $3', [h, prev, e.id]);
      prev = h;
    }
    expect(await verifyInDb('recomputed', [])).toMatchObject({ ok: true }); // the chain alone is fooled
    expect((await verifyInDb('recomputed', headsFor(s))).firstProblem).toMatchObject({ kind: 'chain_recomputed', version: 2 });
  });
});

describe('audit schema, access log and the auditor role', () => {
  it('logs reads through audit.record_access and keeps the log append-only', async () => {
    const s = stream('logged');
    await insert(s);
    const anchors = memoryAnchors();
    for (const h of headsFor(s)) await anchors.publish(h);
    const log = sqlAccessLog(pool);
    const store = { readStream, readAll: async () => ({ events: [], last: '' }) };
    const audit = await auditComplaint(
      { store, anchors, key: KEY, accessLog: log, aggregates: { complaint: { decider: miniDecider } as never }, now: () => new Date().toISOString() },
      { complaint: 'logged', reader: 'alice', at: 2 },
      { via: 'cli', principal: 'db:root' },
    );
    expect(audit).toMatchObject({ verified: true, access: { reader: 'alice', via: 'cli' }, stream: { view: { version: 2 } } });
    const rows = await log.list({ complaintId: 'logged' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reader: 'alice', principal: 'db:root', via: 'cli', complaintNumber: 'N-logged', query: { at: 2 } });
    await expect(pool.query('UPDATE audit.access_log SET reader = $1', ['mallory'])).rejects.toThrow(/append-only/);
    await expect(pool.query('DELETE FROM audit.access_log')).rejects.toThrow(/append-only/);
  });

  it('the auditor role reads the audit views and logs, and nothing else', async () => {
    await insert(stream('role'));
    const c = await pool.connect();
    try {
      await c.query('SET ROLE auditor');
      const { rows } = await c.query("SELECT stream_version, hash FROM audit.complaint_events WHERE stream_id = 'Complaint-role' ORDER BY 1");
      expect(rows).toHaveLength(4);
      expect((await c.query('SELECT count(*) FROM audit.events')).rows[0].count).not.toBe('0');
      const logged = await c.query("SELECT * FROM audit.record_access('bob', 'db:auditor', 'cli', 'role', NULL, '{}'::jsonb)");
      expect(logged.rows).toHaveLength(1);
      expect((await c.query("SELECT reader FROM audit.access_log_view WHERE complaint_id = 'role'")).rows).toEqual([{ reader: 'bob' }]);
      for (const sql of [
        'SELECT * FROM es_events',
        'SELECT * FROM audit.access_log',
        "INSERT INTO audit.access_log (reader, principal, via, complaint_id) VALUES ('x', 'x', 'cli', 'x')",
        "UPDATE es_events SET type = 'x'",
        'CREATE TABLE audit.mine (x int)',
        'CREATE TABLE public.mine (x int)',
      ])
        await expect(c.query(sql), sql).rejects.toThrow(/permission denied/);
    } finally {
      await c.query('RESET ROLE').catch(() => undefined);
      c.release();
    }
  });
});
