// `cs audit anchor` with NATS_URL (heads in JetStream CS_AUDIT_HEADS) against a real PostgreSQL
// and NATS: like the export file, a run signs only the heads not yet anchored at their version.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetStreamAnchors } from '@cs/audit';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, testEnv, type TestDatabase } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/commands/audit.ts';
import { runHere } from './run-here.ts';
import { customerPayload, writePathOn } from './write-path.ts';

const KEY = 'cli-int-anchor-key-0123456789abcdef0123';
const dir = mkdtempSync(join(tmpdir(), 'cs-audit-js-'));
let db: TestDatabase;
let store: EventStore;
let nc: NatsConnection;
const complaintId = `K-${randomUUID().slice(0, 8)}`;
const number = `TS-2024-${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;

const csHere = (args: string[]) =>
  runHere(() => run(args), { USER: 'auditor-test', DATABASE_URL: db.url, AUDIT_HMAC_KEY: KEY, AUDIT_ANCHOR_FILE: '', CS_DATA_DIR: dir, NATS_URL: testEnv.natsUrl, EVENTSTORE_URL: '' });

beforeAll(async () => {
  db = await createTestDatabase('cli_audit_js');
  store = await createPostgresEventStore({ connectionString: db.url, schema: 'event_store', max: 2 });
  nc = await connect({ servers: testEnv.natsUrl });
  // written without per-append anchoring (the embedded start, or NATS down): the catch-up's case
  const send = writePathOn(store);
  const c = `C-${complaintId}`;
  const at = '2024-05-01T08:00:00.000Z';
  await send('customer.open', customerPayload(c, at));
  await send('complaint.receive', { complaintId, number, customerId: c, channel: 'phone', category: 'damage', description: 'crushed', remedySought: 'refund', occurredAt: at });
});
afterAll(async () => {
  await nc?.drain();
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cs audit anchor with JetStream', () => {
  it('a second run with nothing new appended anchors nothing (it re-signed every stream head on every run)', async () => {
    const first = await csHere(['anchor']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toContain('anchored 3 stream head(s) in JetStream CS_AUDIT_HEADS');
    const again = await csHere(['anchor']);
    expect(again.out).toContain('anchored 0 stream head(s)');
    const anchors = await jetStreamAnchors(nc);
    expect((await anchors.heads(`Complaint-${complaintId}`)).map((h) => h.version)).toEqual([1]);
    // and a complaint appended to since is anchored at its new version only
    const audit = await csHere(['complaint', number, '--format', 'json']);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.out).stream.verification).toMatchObject({ ok: true, anchor: 'verified', anchoredVersion: 1 });
  });
});
