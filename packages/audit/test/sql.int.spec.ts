// Tampering with the REAL PostgreSQL event store's table (`event_store.events`) after histories
// were written by the real write path: each kind is detected and the first bad event named,
// through the auditor's view and the real report; plus the access log and the auditor role.
import { eventHash, type EventStore } from '@cs/event-store';
import type { TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComplaint, auditViewStore, formatAudit, sqlAccessLog, type AuditDeps, type ProblemKind } from '../src/index.ts';
import { runDocScript } from './doc-script.ts';
import { sqlAuditSetup, type SqlAuditSetup } from './sql-setup.ts';
import { complaintHistory, KEY, writer, type Complaint } from './history.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let w: ReturnType<typeof writer>;
let deps: AuditDeps;
const E = 'event_store.events';

let setup: SqlAuditSetup;
beforeAll(async () => {
  setup = await sqlAuditSetup('audit_sql');
  ({ db, pool, store, w, deps } = setup);
});
afterAll(() => setup?.close());

const audit = (c: Complaint) => auditComplaint(deps, { complaint: c.number, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' });
const at = (c: Complaint, v: number) => `stream_id = '${c.streamId}' AND stream_version = ${v}`;

describe('tampering with event_store.events is detected and named', () => {
  it('an intact history verifies through the audit view', async () => {
    const c = await complaintHistory(w);
    const a = await audit(c);
    expect(a.verified).toBe(true);
    expect(a.stream.verification).toMatchObject({ ok: true, anchor: 'verified', eventsChecked: 8, anchoredVersion: 8 });
  });

  const cases: [string, (c: Complaint) => string, ProblemKind, number][] = [
    ['an UPDATE of one event\'s data', (c) => `UPDATE ${E} SET data = jsonb_set(data, '{compensationFen}', '0') WHERE ${at(c, 6)}`, 'changed', 6],
    ['an UPDATE of one event\'s metadata (the acting person)', (c) => `UPDATE ${E} SET metadata = jsonb_set(metadata, '{actor,person}', '"mallory"') WHERE ${at(c, 2)}`, 'changed', 2],
    ['a deleted event', (c) => `DELETE FROM ${E} WHERE ${at(c, 4)}`, 'removed', 4],
    [
      'a swapped order (versions 3 and 4 exchanged)',
      (c) => `UPDATE ${E} SET stream_version = -3 WHERE ${at(c, 3)};
              UPDATE ${E} SET stream_version = 3 WHERE ${at(c, 4)};
              UPDATE ${E} SET stream_version = 4 WHERE ${at(c, -3)}`,
      'reordered',
      3,
    ],
    ['a truncated tail', (c) => `DELETE FROM ${E} WHERE stream_id = '${c.streamId}' AND stream_version >= 7; UPDATE event_store.streams SET version = 6, last_hash = (SELECT hash FROM ${E} WHERE ${at(c, 6)}) WHERE stream_id = '${c.streamId}'`, 'missing_tail', 7],
  ];
  for (const [what, sql, kind, version] of cases)
    it(`${what}: ${kind} at version ${version}`, async () => {
      const c = await complaintHistory(w);
      expect((await audit(c)).verified).toBe(true);
      await pool.query(sql(c));
      const a = await audit(c);
      expect(a.verified).toBe(false);
      expect(a.stream.verification.firstProblem).toMatchObject({ kind, version });
      expect(formatAudit(a, 'table')).toContain(`FAILED: ${kind} at version ${version}`);
      // the standalone procedure fails the same export too
      expect(runDocScript(formatAudit(a, 'json'), KEY).code).toBe(1);
    });

  it('a recomputed chain: version 5 rewritten and every later hash recomputed in SQL is named by the anchors', async () => {
    const c = await complaintHistory(w);
    await pool.query(`UPDATE ${E} SET data = jsonb_set(data, '{message}', '"nothing to report"') WHERE ${at(c, 5)}`);
    // a forger with full write access recomputes the chain from the database's own content
    const { rows } = await pool.query(
      `SELECT event_id::text AS id, stream_id, stream_version, type, schema_version, data, metadata, hash, prev_hash FROM ${E} WHERE stream_id = $1 ORDER BY stream_version`,
      [c.streamId],
    );
    let prev = rows[3].hash as string;
    for (const r of rows.slice(4)) {
      const h = eventHash({ streamId: r.stream_id, streamVersion: r.stream_version, id: r.id, type: r.type, schemaVersion: r.schema_version, data: r.data, metadata: r.metadata, prevHash: prev });
      await pool.query(`UPDATE ${E} SET hash = $1, prev_hash = $2 WHERE event_id = $3`, [h, prev, r.id]);
      prev = h;
    }
    await pool.query('UPDATE event_store.streams SET last_hash = $1 WHERE stream_id = $2', [prev, c.streamId]);
    const fooled = await auditComplaint({ ...deps, anchors: undefined }, { complaint: c.id, reader: 'x' }, { via: 'cli', principal: 'db:root' });
    expect(fooled.stream.verification).toMatchObject({ ok: true, anchor: 'absent' }); // the chain alone is fooled
    const a = await audit(c);
    expect(a.stream.verification.firstProblem).toMatchObject({ kind: 'chain_recomputed', version: 5 });
    const doc = runDocScript(formatAudit(a, 'json'), KEY);
    expect(doc).toMatchObject({ code: 1 });
    expect(doc.out).toContain('version 5: differs from its anchor (chain recomputed)');
  });
});

describe('audit schema, access log and the auditor role', () => {
  it('every read is logged through audit.record_access and the log is append-only', async () => {
    const c = await complaintHistory(w, { steps: 2 });
    await auditComplaint(deps, { complaint: c.number, reader: 'alice', at: 2 }, { via: 'cli', principal: 'db:root' });
    const rows = await deps.accessLog.list({ complaintId: c.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reader: 'alice', principal: 'db:root', via: 'cli', complaintNumber: c.number, query: { at: 2 } });
    await expect(pool.query('UPDATE audit.access_log SET reader = $1', ['mallory'])).rejects.toThrow(/append-only/);
    await expect(pool.query('DELETE FROM audit.access_log')).rejects.toThrow(/append-only/);
  });

  it('the auditor role reads the audit views and logs, and nothing else', async () => {
    const c = await complaintHistory(w, { steps: 3 });
    const client = await pool.connect();
    try {
      await client.query('SET ROLE auditor');
      const { rows } = await client.query('SELECT stream_version, hash FROM audit.complaint_events WHERE stream_id = $1 ORDER BY 1', [c.streamId]);
      expect(rows).toHaveLength(4);
      expect((await client.query('SELECT count(*) FROM audit.complaint_events WHERE stream_id = $1', [`ComplaintNumber-${c.number}`])).rows[0].count).toBe('1');
      // the whole audit works under the role alone
      const asAuditor = await auditComplaint(
        { ...deps, store: auditViewStore(client), accessLog: sqlAccessLog(client) },
        { complaint: c.number, reader: 'bob' },
        { via: 'cli', principal: 'db:auditor' },
      );
      expect(asAuditor).toMatchObject({ verified: true, access: { reader: 'bob', principal: 'db:auditor' } });
      for (const sql of [
        'SELECT * FROM event_store.events',
        'SELECT * FROM event_store.streams',
        'SELECT * FROM event_store.command_outcomes',
        'SELECT * FROM audit.access_log',
        "INSERT INTO audit.access_log (reader, principal, via, complaint_id) VALUES ('x', 'x', 'cli', 'x')",
        "UPDATE event_store.events SET type = 'x'",
        'DELETE FROM event_store.events',
        'CREATE TABLE audit.mine (x int)',
      ])
        await expect(client.query(sql), sql).rejects.toThrow(/permission denied/);
    } finally {
      await client.query('RESET ROLE').catch(() => undefined);
      client.release();
    }
  });
});
