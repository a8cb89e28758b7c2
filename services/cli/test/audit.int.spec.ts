// `cs audit` as an auditor runs it (a child process of src/main.ts once, then `run` in this
// process for speed) against a real PostgreSQL
// event store written by the real write path, heads anchored in an export file.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorStreamHead, fileAnchors } from '@cs/audit';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/commands/audit.ts';
import { runHere } from './run-here.ts';
import { customerPayload, writePathOn } from './write-path.ts';

const KEY = 'cli-int-anchor-key-0123456789abcdef0123';
const dir = mkdtempSync(join(tmpdir(), 'cs-audit-cli-'));
const headsFile = join(dir, 'heads.jsonl');
let db: TestDatabase;
let store: EventStore;
const number = `TS-2024-${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
const complaintId = `K-${randomUUID().slice(0, 8)}`;

const cs = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', USER: 'auditor-test', DATABASE_URL: db.url, AUDIT_HMAC_KEY: KEY, AUDIT_ANCHOR_FILE: headsFile, CS_DATA_DIR: dir, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** The same in this process (fast): `run` of the audit command with the environment swapped in. */
const csHere = (args: string[], env: Record<string, string> = {}) =>
  runHere(() => run(args.slice(1)), { USER: 'auditor-test', DATABASE_URL: db.url, AUDIT_HMAC_KEY: KEY, AUDIT_ANCHOR_FILE: headsFile, CS_DATA_DIR: dir, NATS_URL: '', EVENTSTORE_URL: '', ...env });

beforeAll(async () => {
  db = await createTestDatabase('cli_audit');
  store = await createPostgresEventStore({ connectionString: db.url, schema: 'event_store', max: 2 });
  const sink = fileAnchors(headsFile);
  const send = writePathOn(store, async (r) => {
    await anchorStreamHead({ store, sink, key: KEY, now: () => new Date().toISOString() }, r.streamId);
  });
  let t = Date.parse('2024-05-01T08:00:00Z');
  const at = () => new Date((t += 3_600_000)).toISOString();
  const c = `C-${complaintId}`;
  await send('customer.open', customerPayload(c, at()));
  await send('complaint.receive', { complaintId, number, customerId: c, channel: 'phone', category: 'damage', description: 'crushed, "wet"', remedySought: 'refund', occurredAt: at() });
  await send('complaint.acknowledge', { complaintId, by: 'call.centre', occurredAt: at() });
  await send('complaint.assess', { complaintId, severity: 'high', owner: 'li.na', urgent: true, occurredAt: at() });
  await send('complaint.investigate', { complaintId, rootCause: 'bad stacking', correctiveAction: 'training', occurredAt: at() });
  await send('complaint.resolve', { complaintId, resolution: 'refunded', compensationFen: 1250, occurredAt: at() });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cs audit against PostgreSQL', () => {
  it('complaint <number>: table, verified against the export file, exit 0; the read is logged', async () => {
    const r = cs(['audit', 'complaint', number, '--reader', 'alice']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Complaint ${number}  id ${complaintId}`);
    expect(r.out).toContain('chain intact over 5 event(s); anchored up to version 5');
    expect(r.out).toContain('to acknowledge 1 h, to resolve 4 h, to close -');
    expect(r.out.trim().endsWith('VERIFIED')).toBe(true);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query('SELECT reader, via, complaint_number FROM audit.access_log WHERE complaint_id = $1', [complaintId]);
      expect(rows).toEqual([{ reader: 'alice', via: 'cli', complaint_number: number }]);
    } finally {
      await pool.end();
    }
  });

  it('--format json/csv, --as-of, --at; list; unknown number and bad input exit 2', async () => {
    const json = JSON.parse((await csHere(['audit', 'complaint', complaintId, '--format', 'json', '--at', '2'])).out);
    expect(json).toMatchObject({ verified: true, complaint: { id: complaintId, number }, access: { reader: 'auditor-test' }, stream: { view: { version: 2, state: { status: 'acknowledged' } } } });
    expect(json.stream.events).toHaveLength(5);
    const csv = await csHere(['audit', 'complaint', number, '--format', 'csv', '--as-of', '2000-01-01T00:00:00Z']);
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n')[0]).toContain('stream,version,recorded_at');
    expect((await csHere(['audit', 'list'])).out).toContain(number);
    const unknown = await csHere(['audit', 'complaint', 'TS-1999-000000001']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.err).toContain("complaint_not_found: no complaint with number or id 'TS-1999-000000001'");
  });

  it('anchor catches up; a tampered event exits 3 and is named', async () => {
    const before = readFileSync(headsFile, 'utf8').trim().split('\n').length;
    const a = await csHere(['audit', 'anchor']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/anchored \d+ stream head\(s\) in export file/);
    // the claim stream was appended outside the handler's hook: the catch-up anchors it
    expect(readFileSync(headsFile, 'utf8').trim().split('\n').length).toBeGreaterThan(before);
    expect((await csHere(['audit', 'anchor'])).out).toContain('anchored 0 stream head(s)');
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await pool.query(`UPDATE event_store.events SET data = jsonb_set(data, '{by}', '"nobody"') WHERE stream_id = $1 AND stream_version = 2`, [`Complaint-${complaintId}`]);
    } finally {
      await pool.end();
    }
    const r = await csHere(['audit', 'complaint', number]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('FAILED: changed at version 2');
    expect(r.out).toContain('NOT VERIFIED');
  });

  it('the embedded default without a database says what to do', async () => {
    const r = await csHere(['audit', 'complaint', number], { DATABASE_URL: '', CS_DATA_DIR: join(dir, 'nothing-here') });
    expect(r.code).toBe(1); // an environment that is not there: an other failure (docs/auditors.md)
    expect(r.err).toContain('no embedded database');
  });
});
