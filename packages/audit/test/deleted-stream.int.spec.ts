// A complaint whose every event was deleted from the REAL PostgreSQL event store while its heads
// stay anchored outside the database: the audit by its id must report the deletion (a failed
// verification, exit 3 in the CLI), not 'complaint_not_found' (as if it had never existed).
import type { EventStore } from '@cs/event-store';
import type { TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComplaint, type AuditDeps } from '../src/index.ts';
import { sqlAuditSetup, type SqlAuditSetup } from './sql-setup.ts';
import { complaintHistory, writer } from './history.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let w: ReturnType<typeof writer>;
let deps: AuditDeps;

let setup: SqlAuditSetup;
beforeAll(async () => {
  setup = await sqlAuditSetup('audit_deleted');
  ({ db, pool, store, w, deps } = setup);
});
afterAll(() => setup?.close());

describe('a complaint stream deleted whole', () => {
  it('by id: reported as missing_tail from version 1 (its heads are anchored), not as unknown', async () => {
    const c = await complaintHistory(w, { steps: 3 });
    await pool.query('DELETE FROM event_store.events WHERE stream_id = $1', [c.streamId]);
    await pool.query('DELETE FROM event_store.streams WHERE stream_id = $1', [c.streamId]);
    const a = await auditComplaint(deps, { complaint: c.id, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' });
    expect(a.complaint).toMatchObject({ id: c.id, streamId: c.streamId });
    expect(a.verified).toBe(false);
    expect(a.stream.verification.firstProblem).toMatchObject({ kind: 'missing_tail', version: 1 });
    // the read was logged like any other
    expect((await deps.accessLog.list({ complaintId: c.id })).map((l) => l.reader)).toEqual(['auditor-test']);
  });

  it('an id with neither events nor anchored heads is still unknown', async () => {
    await expect(auditComplaint(deps, { complaint: 'K-never-was', reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' })).rejects.toMatchObject({
      code: 'complaint_not_found',
    });
  });
});
