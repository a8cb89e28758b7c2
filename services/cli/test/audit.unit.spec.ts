import { GENESIS_HASH, hashableOf, memoryAccessLog, memoryAnchors, recomputeHash, signHead, type AuditDeps } from '@cs/audit';
import type { RecordedEvent } from '@cs/event-store';
import { describe, expect, it } from 'vitest';
import { auditCommand, type AuditCommandDeps } from '../src/commands/audit.ts';

const KEY = 'cli-test-anchor-key-0123456789abcdef';
const at = (h: number): string => new Date(Date.parse('2024-05-01T08:00:00Z') + h * 3_600_000).toISOString();
const make = (): RecordedEvent[] => {
  const types: [string, Record<string, unknown>][] = [
    ['ComplaintReceived', { complaintId: 'c1', number: 'C-1', orderId: null, category: 'damage', description: 'box "crushed", wet' }],
    ['ComplaintAcknowledged', { complaintId: 'c1' }],
    ['ComplaintResolved', { complaintId: 'c1', resolution: 'refund', compensationFen: 1250 }],
  ];
  let prev = GENESIS_HASH;
  return types.map(([type, data], i) => {
    const e: RecordedEvent = {
      id: `e${i + 1}`, streamId: 'Complaint-c1', streamVersion: i + 1, position: String(i + 1).padStart(8, '0'), type, schemaVersion: 1, storedSchemaVersion: 1,
      data: { ...data, occurredAt: at(i * 2) },
      metadata: { commandId: `cmd${i + 1}`, correlationId: 'corr', actor: { service: 'call-centre', person: 'wang' }, occurredAt: at(i * 2), recordedAt: at(i * 2 + 0.1) },
      hash: '', prevHash: prev,
    };
    e.hash = recomputeHash(hashableOf(e));
    prev = e.hash;
    return e;
  });
};

const setup = async (tamper = false) => {
  const events = make();
  const anchors = memoryAnchors();
  for (const e of events) await anchors.publish(signHead(KEY, { streamId: e.streamId, version: e.streamVersion, hash: e.hash }, e.metadata.recordedAt));
  if (tamper) events[1] = { ...events[1]!, data: { complaintId: 'c1', edited: true } };
  const out: string[] = [];
  const err: string[] = [];
  const decider = { initialState: () => ({ n: 0 }), evolve: (s: { n: number }) => ({ n: s.n + 1 }), decide: () => [] };
  const deps: AuditCommandDeps = {
    audit: {
      store: { readStream: async (id) => events.filter((e) => e.streamId === id), readAll: async () => ({ events, last: '00000003', scanned: events.length }) },
      anchors, key: KEY, accessLog: memoryAccessLog(() => '2024-06-01T00:00:00.000Z'), aggregates: { complaint: { decider } as never }, now: () => '2024-06-01T00:00:00.000Z',
    },
    principal: 'db:alice', defaultReader: 'alice', out: (t) => out.push(t), err: (t) => err.push(t),
  };
  return { deps, out, err };
};

describe('cs audit complaint', () => {
  it('prints a table with the timeline, state, handling times and the verification', async () => {
    const { deps, out } = await setup();
    expect(await auditCommand(['complaint', 'C-1', '--at', '2'], deps)).toBe(0);
    const text = out.join('');
    expect(text).toContain('Complaint C-1  id c1');
    // of the history up to version 2: the resolution (version 3) has not happened yet
    expect(text).toContain('to acknowledge 2 h, to resolve -, to close -');
    expect(text).toContain('State at version 2 (version 2)');
    expect(text).toContain('chain intact over 3 event(s); anchored up to version 3');
    expect(text).toMatch(/3 +2024-05-01T12:06:00\.000Z +2024-05-01T12:00:00\.000Z +ComplaintResolved/);
    expect(text).toContain('compensationFen=12.50 CNY');
    expect(text.trim().endsWith('VERIFIED')).toBe(true);
    out.length = 0;
    expect(await auditCommand(['complaint', 'C-1'], deps)).toBe(0);
    expect(out.join('')).toContain('to acknowledge 2 h, to resolve 4 h, to close -');
  });

  it('prints CSV (quoted as RFC 4180) and complete JSON', async () => {
    const { deps, out } = await setup();
    expect(await auditCommand(['complaint', 'c1', '--format', 'csv', '--reader', 'bob'], deps)).toBe(0);
    const lines = out.join('').trimEnd().split('\r\n');
    expect(lines[0]).toBe('stream,version,recorded_at,occurred_at,event_type,service,person,command_id,correlation_id,causation_id,summary,hash,prev_hash,check');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('"Complaint received: number=C-1, category=damage, description=box ""crushed"", wet"');
    expect(lines[3]!.endsWith(',ok')).toBe(true);
    out.length = 0;
    expect(await auditCommand(['complaint', 'c1', '--format', 'json'], deps)).toBe(0);
    const json = JSON.parse(out.join(''));
    expect(json).toMatchObject({ format: 'cs-audit/1', verified: true, complaint: { id: 'c1', number: 'C-1' } });
    expect(json.stream.events[2].hash).toBe(json.stream.heads[2].hash);
    expect(await (deps.audit as AuditDeps).accessLog.list()).toHaveLength(2);
  });

  it('exits 3 and names the changed event when verification fails', async () => {
    const { deps, out } = await setup(true);
    expect(await auditCommand(['complaint', 'C-1'], deps)).toBe(3);
    expect(out.join('')).toContain('FAILED: changed at version 2');
  });

  it('refuses bad input with a clear message and exit code 2', async () => {
    const { deps, err } = await setup();
    expect(await auditCommand(['complaint', 'C-404'], deps)).toBe(2);
    expect(err.pop()).toContain("complaint_not_found: no complaint with number or id 'C-404'");
    expect(await auditCommand(['complaint', 'C-1', '--as-of', 'last tuesday'], deps)).toBe(2);
    expect(err.pop()).toContain('invalid_argument');
    expect(await auditCommand(['complaint', 'C-1', '--format', 'xml'], deps)).toBe(2);
    expect(await auditCommand(['order', 'C-1'], deps)).toBe(2);
    expect(await auditCommand(['complaint', 'C-1', '--bogus'], deps)).toBe(2);
    expect(await auditCommand(['complaint', 'C-1', '--reader', ''], { ...deps, defaultReader: undefined })).toBe(2);
    expect(err.length).toBeGreaterThanOrEqual(4);
  });
});
