// Exit codes of `cs audit complaint` against a real PostgreSQL (docs/auditors.md: 0 verified,
// 3 verification failed, 2 bad input or unknown complaint, 1 other failure).
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/commands/audit.ts';
import { runHere } from './run-here.ts';
import { customerPayload, writePathOn } from './write-path.ts';

const KEY = 'cli-int-anchor-key-0123456789abcdef0123';
const dir = mkdtempSync(join(tmpdir(), 'cs-audit-exit-'));
let db: TestDatabase;
let store: EventStore;
const complaintId = `K-${randomUUID().slice(0, 8)}`;
const number = `TS-2024-${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;

const csHere = (args: string[], env: Record<string, string> = {}) =>
  runHere(() => run(args), { USER: 'auditor-test', DATABASE_URL: db.url, AUDIT_HMAC_KEY: KEY, AUDIT_ANCHOR_FILE: join(dir, 'heads.jsonl'), CS_DATA_DIR: dir, NATS_URL: '', EVENTSTORE_URL: '', ...env });

beforeAll(async () => {
  db = await createTestDatabase('cli_audit_exit');
  store = await createPostgresEventStore({ connectionString: db.url, schema: 'event_store', max: 2 });
  // written without per-append anchoring (the embedded start, or NATS down): the catch-up's case
  const send = writePathOn(store);
  const c = `C-${complaintId}`;
  const at = '2024-05-01T08:00:00.000Z';
  await send('customer.open', customerPayload(c, at));
  await send('complaint.receive', { complaintId, number, customerId: c, channel: 'phone', category: 'damage', description: 'crushed', remedySought: 'refund', occurredAt: at });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cs audit complaint exit codes', () => {
  it('0 for a verified complaint, 2 for an unknown one', async () => {
    expect(await csHere(['complaint', number])).toMatchObject({ code: 0 });
    expect(await csHere(['complaint', 'TS-1999-000000001'])).toMatchObject({ code: 2 });
  });

  it('1 when the anchors cannot be read (an other failure, not bad input)', async () => {
    const notAFile = join(dir, 'heads-dir');
    mkdirSync(notAFile, { recursive: true });
    const r = await csHere(['complaint', number], { AUDIT_ANCHOR_FILE: notAFile });
    expect(r.err).toContain('anchor_unavailable');
    expect(r.code).toBe(1);
  });

  it('1 when NATS cannot be reached or there is no database to read; 2 for bad usage', async () => {
    const nats = await csHere(['complaint', number], { NATS_URL: 'nats://127.0.0.1:1' });
    expect(nats.err).toContain('cannot reach NATS');
    expect(nats.code).toBe(1);
    const empty = join(dir, 'no-database-here');
    const missing = await csHere(['list'], { DATABASE_URL: '', CS_DATA_DIR: empty });
    expect(missing.err).toContain('no embedded database');
    expect(missing.code).toBe(1);
    expect(await csHere(['anchor', 'extra'])).toMatchObject({ code: 2 });
  });
});
