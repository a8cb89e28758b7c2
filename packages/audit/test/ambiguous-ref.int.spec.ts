// A reference that is one complaint's number and another complaint's id (ids are chosen by the
// sending service and may look like numbers): the audit must not silently show one of them.
import { randomInt } from 'node:crypto';
import type { EventStore } from '@cs/event-store';
import type { TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComplaint, type AuditDeps } from '../src/index.ts';
import { openCustomer, writer } from './history.ts';
import { sqlAuditSetup, type SqlAuditSetup } from './sql-setup.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let w: ReturnType<typeof writer>;
let deps: AuditDeps;

let setup: SqlAuditSetup;
beforeAll(async () => {
  setup = await sqlAuditSetup('audit_ambiguous');
  ({ db, pool, store, w, deps } = setup);
});
afterAll(() => setup?.close());

describe('a reference that is a number of one complaint and the id of another', () => {
  it('is refused as ambiguous, naming what identifies each complaint', async () => {
    const n = randomInt(100_000_000, 900_000_000);
    const shared = `TS-2024-${n}`; // complaint A's number, complaint B's id
    const bNumber = `TS-2024-${n + 1}`;
    const at = '2024-05-01T08:00:00.000Z';
    await w.send('customer.open', openCustomer('C-amb', at));
    const receive = (complaintId: string, number: string) =>
      w.send('complaint.receive', { complaintId, number, customerId: 'C-amb', channel: 'phone', category: 'damage', description: 'crushed', remedySought: 'refund', occurredAt: at });
    await receive(shared, bNumber); // B: id that looks like a number
    await receive('K-amb-a', shared); // A: received with that number
    const ask = (complaint: string) => auditComplaint(deps, { complaint, reader: 'auditor-test' }, { via: 'cli', principal: 'db:root' });
    await expect(ask(shared)).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(new RegExp(`K-amb-a.*${bNumber}`)) });
    // each is found without ambiguity by what the message names
    expect((await ask('K-amb-a')).complaint).toEqual({ id: 'K-amb-a', number: shared, streamId: 'Complaint-K-amb-a' });
    expect((await ask(bNumber)).complaint).toEqual({ id: shared, number: bNumber, streamId: `Complaint-${shared}` });
  });
});
