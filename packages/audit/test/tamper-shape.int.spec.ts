// Tampering that changes the SHAPE of a stored event (metadata or data no longer an object, a
// field removed) in the REAL PostgreSQL event store: the audit must still produce its report and
// name the changed event (exit 3 in the CLI), not crash while building the timeline or the state.
import type { EventStore } from '@cs/event-store';
import type { TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComplaint, formatAudit, type AuditDeps } from '../src/index.ts';
import { sqlAuditSetup, type SqlAuditSetup } from './sql-setup.ts';
import { complaintHistory, writer, type Complaint } from './history.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let w: ReturnType<typeof writer>;
let deps: AuditDeps;
const E = 'event_store.events';

let setup: SqlAuditSetup;
beforeAll(async () => {
  setup = await sqlAuditSetup('audit_tamper_shape');
  ({ db, pool, store, w, deps } = setup);
});
afterAll(() => setup?.close());

const at = (c: Complaint, v: number) => `stream_id = '${c.streamId}' AND stream_version = ${v}`;

describe('an event whose shape was changed is reported, not a crash', () => {
  const cases: [string, (c: Complaint) => string, number][] = [
    ['the acting service and person removed from the metadata', (c) => `UPDATE ${E} SET metadata = metadata - 'actor' WHERE ${at(c, 2)}`, 2],
    ['the metadata replaced by JSON null', (c) => `UPDATE ${E} SET metadata = 'null'::jsonb WHERE ${at(c, 3)}`, 3],
    ['the data replaced by JSON null', (c) => `UPDATE ${E} SET data = 'null'::jsonb WHERE ${at(c, 2)}`, 2],
  ];
  for (const [what, sql, version] of cases)
    it(`${what}: changed at version ${version}`, async () => {
      const c = await complaintHistory(w, { steps: 3 });
      await pool.query(sql(c));
      for (const moment of [{}, { asOf: '2099-01-01T00:00:00Z' }, { at: 3 }]) {
        const a = await auditComplaint(deps, { complaint: c.id, reader: 'auditor-test', ...moment }, { via: 'cli', principal: 'db:root' });
        expect(a.verified).toBe(false);
        expect(a.stream.verification.firstProblem).toMatchObject({ kind: 'changed', version });
        for (const f of ['table', 'csv', 'json'] as const) expect(formatAudit(a, f)).toContain('changed');
        // the decider cannot fold an event without data: the state stops before it and says so
        if (what.startsWith('the data')) expect(a.stream.view).toMatchObject({ version: version - 1, error: expect.stringContaining(`version ${version} (`) });
      }
    });
});
