// An event's data or metadata replaced in the REAL PostgreSQL event store by a JSON string holding
// its own text (what the write path and the projections then read is a string, not the object
// that was hashed): the auditor's view must return the values as stored, so the change is seen.
import type { EventStore } from '@cs/event-store';
import type { TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComplaint, type AuditDeps } from '../src/index.ts';
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
  setup = await sqlAuditSetup('audit_json_string');
  ({ db, pool, store, w, deps } = setup);
});
afterAll(() => setup?.close());

const at = (c: Complaint, v: number) => `stream_id = '${c.streamId}' AND stream_version = ${v}`;

describe('data or metadata replaced by the JSON string of its text', () => {
  const cases: [string, (c: Complaint) => string, number][] = [
    // the write path and the projections now read a JSON string where the event had an object
    ['the data replaced by a JSON string of its own text', (c) => `UPDATE ${E} SET data = to_jsonb(data::text) WHERE ${at(c, 2)}`, 2],
    ['the metadata replaced by a JSON string of its own text', (c) => `UPDATE ${E} SET metadata = to_jsonb(metadata::text) WHERE ${at(c, 3)}`, 3],
    ['the first event data replaced by a JSON string', (c) => `UPDATE ${E} SET data = '"nothing here"'::jsonb WHERE ${at(c, 1)}`, 1],
  ];
  for (const [what, sql, version] of cases)
    it(`${what}: changed at version ${version}`, async () => {
      const c = await complaintHistory(w, { steps: 3 });
      await pool.query(sql(c));
      const raw = await deps.store.readStream(c.streamId, { raw: true });
      expect(typeof (version === 3 ? raw[2]!.metadata : raw[version - 1]!.data)).toBe('string'); // as stored
      const a = await auditComplaint(deps, { complaint: c.id, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' });
      expect(a.verified).toBe(false);
      expect(a.stream.verification.firstProblem).toMatchObject({ kind: 'changed', version });
    });
});
