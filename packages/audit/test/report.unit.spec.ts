import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditComplaint, eventsAt, handlingTimes, memoryAccessLog, memoryAnchors, parseMoment, stateAt, type AuditDeps } from '../src/index.ts';
import { chainedStream, fixedStore, headsFor, KEY, miniDecider } from './fixtures.ts';

const now = () => '2024-06-01T00:00:00.000Z';
const complaint = chainedStream('Complaint-c1', [
  { type: 'ComplaintReceived', data: { complaintId: 'c1', number: 'C-2024-1', orderId: 'o1' } },
  { type: 'ComplaintAcknowledged', data: { complaintId: 'c1' } },
  { type: 'ComplaintResolved', data: { complaintId: 'c1', resolution: 'refund' } },
  { type: 'ComplaintClosed', data: { complaintId: 'c1' } },
]);
const claim = chainedStream('ComplaintNumber-C-2024-1', [{ type: 'ComplaintNumberClaimed', data: { complaintId: 'c1', number: 'C-2024-1' } }]);

const deps = async (streams = [complaint, claim]): Promise<AuditDeps> => {
  const anchors = memoryAnchors();
  for (const h of headsFor(complaint)) await anchors.publish(h);
  return { store: fixedStore(streams), anchors, key: KEY, accessLog: memoryAccessLog(now), aggregates: { complaint: { decider: miniDecider } as never }, now };
};
const door = { via: 'cli' as const, principal: 'db:alice' };

describe('auditComplaint', () => {
  it('finds a complaint by number (claim stream) and by id, and logs every read', async () => {
    const d = await deps();
    const byNumber = await auditComplaint(d, { complaint: 'C-2024-1', reader: 'alice' }, door);
    const byId = await auditComplaint(d, { complaint: 'c1', reader: 'bob' }, door);
    expect(byNumber.complaint).toEqual({ id: 'c1', number: 'C-2024-1', streamId: 'Complaint-c1' });
    expect(byId.complaint).toEqual({ id: 'c1', number: 'C-2024-1', streamId: 'Complaint-c1' });
    expect(byNumber.verified).toBe(true);
    expect(byNumber.stream.timeline.map((t) => t.type)).toEqual(complaint.map((e) => e.type));
    expect(byNumber.stream.timeline[0]).toMatchObject({ version: 1, service: 'call-centre', person: 'agent-0', commandId: 'cmd-1', correlationId: 'corr-1' });
    expect(byNumber.stream.view).toMatchObject({ version: 4, state: { status: 'closed' } });
    const log = await d.accessLog.list({ complaintId: 'c1' });
    expect(log.map((l) => [l.reader, l.principal, l.via, l.complaintNumber])).toEqual([
      ['alice', 'db:alice', 'cli', 'C-2024-1'],
      ['bob', 'db:alice', 'cli', 'C-2024-1'],
    ]);
  });

  it('finds a complaint by number by scanning when no claim stream exists', async () => {
    const a = await auditComplaint(await deps([complaint]), { complaint: 'C-2024-1', reader: 'alice' }, door);
    expect(a.complaint.id).toBe('c1');
  });

  it('refuses an unknown complaint and bad options with coded errors, logging nothing', async () => {
    const d = await deps();
    await expect(auditComplaint(d, { complaint: 'C-404', reader: 'alice' }, door)).rejects.toMatchObject({ code: 'complaint_not_found', message: expect.stringContaining('C-404') });
    await expect(auditComplaint(d, { complaint: 'c1', reader: 'alice', asOf: 'yesterday' }, door)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(auditComplaint(d, { complaint: 'c1', reader: 'alice', at: '0' }, door)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(auditComplaint(d, { complaint: 'c1', reader: 'alice', at: 9 }, door)).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('only 4') });
    await expect(auditComplaint(d, { complaint: 'c1' }, door)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(auditComplaint(d, { complaint: 'c1', reader: 'a', extra: 1 }, door)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await d.accessLog.list()).filter((l) => l.query.at === 9)).toHaveLength(1); // resolved, logged, then refused
  });

  it('computes handling times in business hours from the first occurrence', () => {
    const h = handlingTimes(complaint);
    expect(h).toMatchObject({ hoursToAcknowledge: 1, hoursToResolve: 2, hoursToClose: 3 });
    expect(handlingTimes(complaint.slice(0, 1))).toMatchObject({ hoursToAcknowledge: null, hoursToResolve: null });
  });

  it('property: the state as of an instant or a version is the fold of the history prefix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('ComplaintAcknowledged', 'ComplaintAssessed', 'ComplaintResolved', 'ComplaintReopened', 'ComplaintClosed'), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 13, maxLength: 13 }),
        fc.integer({ min: -60, max: 60 * 24 * 3 }),
        fc.nat(),
        (types, gaps, offsetMinutes, pick) => {
          const events = chainedStream('Complaint-p', [{ type: 'ComplaintReceived', data: { complaintId: 'p' } }, ...types.map((type) => ({ type, data: { complaintId: 'p' } }))]);
          // recorded times: non-decreasing with random gaps (same instant possible)
          let t = Date.parse('2024-05-01T08:00:00Z');
          events.forEach((e, i) => {
            t += (gaps[i] ?? 0) * 60_000;
            e.metadata = { ...e.metadata, recordedAt: new Date(t).toISOString() };
          });
          const asOf = new Date(Date.parse('2024-05-01T08:00:00Z') + offsetMinutes * 60_000).toISOString();
          const prefix = events.filter((e) => Date.parse(e.metadata.recordedAt) <= Date.parse(asOf));
          const expected = prefix.reduce((s, e) => miniDecider.evolve(s, e), miniDecider.initialState());
          const byTime = stateAt(miniDecider, events, parseMoment({ asOf }));
          expect(byTime).toEqual({ version: prefix.length, state: expected });
          const n = 1 + (pick % events.length);
          const byVersion = stateAt(miniDecider, events, parseMoment({ at: String(n) }));
          expect(byVersion.state).toEqual(events.slice(0, n).reduce((s, e) => miniDecider.evolve(s, e), miniDecider.initialState()));
          expect(eventsAt(events, { kind: 'latest' })).toHaveLength(events.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
