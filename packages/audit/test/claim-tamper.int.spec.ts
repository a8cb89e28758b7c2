// The claim stream `ComplaintNumber-<number>` altered in the REAL PostgreSQL event store: the
// complaint must still be found by its number (its own ComplaintReceived carries it), not hidden
// behind a claim naming a complaint that does not exist.
import type { EventStore } from '@cs/event-store';
import type { TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComplaint, formatAudit, type AuditDeps } from '../src/index.ts';
import { sqlAuditSetup, type SqlAuditSetup } from './sql-setup.ts';
import { complaintHistory, writer } from './history.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let w: ReturnType<typeof writer>;
let deps: AuditDeps;

let setup: SqlAuditSetup;
beforeAll(async () => {
  setup = await sqlAuditSetup('audit_claim_tamper');
  ({ db, pool, store, w, deps } = setup);
});
afterAll(() => setup?.close());

describe('a claim stream rewritten to name a complaint that does not exist', () => {
  it('the complaint is still found by its number', async () => {
    const c = await complaintHistory(w, { steps: 2 });
    await pool.query(`UPDATE event_store.events SET data = jsonb_set(data, '{complaintId}', '"K-ghost"') WHERE stream_id = $1`, [`ComplaintNumber-${c.number}`]);
    const a = await auditComplaint(deps, { complaint: c.number, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' });
    expect(a.complaint).toEqual({ id: c.id, number: c.number, streamId: c.streamId });
    expect(a.stream.verification.ok).toBe(true);
    // and the rewrite itself is reported: the claim stream is verified with the complaint's
    expect(a.numberClaims?.streamId).toBe(`ComplaintNumber-${c.number}`);
    expect(a.numberClaims?.verification.firstProblem).toMatchObject({ kind: 'changed', version: 1 });
    expect(a.verified).toBe(false);
  });

  it('an intact claim stream verifies with the complaint, and is shown in every format', async () => {
    const c = await complaintHistory(w, { steps: 2 });
    const a = await auditComplaint(deps, { complaint: c.id, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' });
    expect(a.numberClaims).toMatchObject({ streamId: `ComplaintNumber-${c.number}`, verification: { ok: true } });
    expect(a.numberClaims?.timeline.map((t) => t.type)).toEqual(['ComplaintNumberClaimed']);
    expect(a.verified).toBe(true);
    for (const f of ['table', 'csv', 'json'] as const) expect(formatAudit(a, f)).toContain(`ComplaintNumber-${c.number}`);
  });

  it('a claim of a complaint not received yet still names it (its audit: no events yet)', async () => {
    const number = 'TS-2024-000000404';
    await store.append(
      `ComplaintNumber-${number}`,
      [{ type: 'ComplaintNumberClaimed', data: { number, complaintId: 'K-in-flight', occurredAt: '2024-05-01T08:00:00.000Z' }, metadata: { commandId: 'cmd-in-flight', correlationId: 'cmd-in-flight', actor: { service: 'test' }, occurredAt: '2024-05-01T08:00:00.000Z' } }],
      { expectedVersion: 'no_stream' },
    );
    await expect(auditComplaint(deps, { complaint: number, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' })).rejects.toMatchObject({
      code: 'complaint_not_found',
      message: 'complaint K-in-flight has no events',
    });
  });
});
