// docs/auditors.md's standalone script, extracted from the doc, run with plain node on a real
// export (real write path, in-memory store) and on tampered copies of it.
import { complaintAggregate, orderAggregate, returnRequestAggregate } from '@cs/domain';
import { createInMemoryEventStore, eventHash } from '@cs/event-store';
import { describe, expect, it } from 'vitest';
import { auditComplaint, formatAudit, memoryAccessLog } from '../src/index.ts';
import { docScript, runDocScript } from './doc-script.ts';
import { complaintHistory, KEY, writer } from './history.ts';

type Ev = { streamId: string; streamVersion: number; id: string; type: string; schemaVersion: number; data: Record<string, unknown>; metadata: unknown; prevHash: string; hash: string };

describe('docs/auditors.md standalone verification', () => {
  it('the doc holds the script', () => {
    expect(docScript).toContain("from 'node:crypto'");
  });

  it('verifies a fresh export, and names tampering in a copy', async () => {
    const store = createInMemoryEventStore();
    const w = writer(store);
    const c = await complaintHistory(w, { steps: 5, withOrder: true });
    const audit = await auditComplaint(
      { store, anchors: w.anchors, key: KEY, accessLog: memoryAccessLog(() => '2024-06-01T00:00:00.000Z'), aggregates: { complaint: complaintAggregate, order: orderAggregate, returnRequest: returnRequestAggregate }, now: () => '2024-06-01T00:00:00.000Z' },
      { complaint: c.number, withOrder: true, reader: 'alice' },
      { via: 'cli', principal: 'test' },
    );
    expect(audit.verified).toBe(true);
    const exported = formatAudit(audit, 'json');
    const ok = runDocScript(exported, KEY);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`${c.streamId}: OK (6 events, 6 heads checked)`);
    expect(ok.out).toContain(`Order-${c.orderId}: OK`);
    expect(ok.out).toContain(`ReturnRequest-${c.returnId}: OK`);
    expect(ok.out).toContain(`ComplaintNumber-${c.number}: OK (1 events, 0 heads checked)`);

    const json = JSON.parse(exported);
    const tampered = structuredClone(json);
    tampered.stream.events[1].data.by = 'someone else';
    const t1 = runDocScript(JSON.stringify(tampered), KEY);
    expect(t1.code).toBe(1);
    expect(t1.out).toContain(`${c.streamId}: version 2: content changed`);

    const truncated = structuredClone(json);
    truncated.stream.events.pop();
    expect(runDocScript(JSON.stringify(truncated), KEY).out).toContain('versions 6..6: missing (truncated)');

    const removed = structuredClone(json);
    removed.stream.events.splice(2, 1);
    expect(runDocScript(JSON.stringify(removed), KEY).out).toContain('version 3: missing or out of order');

    // a forger rewrites version 2 and recomputes every later hash with the store's own function
    const recomputed = structuredClone(json);
    const evs = recomputed.stream.events as Ev[];
    evs[1]!.data = { ...evs[1]!.data, by: 'forged' };
    for (let i = 1; i < evs.length; i += 1) {
      evs[i]!.prevHash = evs[i - 1]!.hash;
      evs[i]!.hash = eventHash(evs[i]!);
    }
    const t3 = runDocScript(JSON.stringify(recomputed), KEY);
    expect(t3.out).toContain('version 2: differs from its anchor (chain recomputed)');
    expect(runDocScript(JSON.stringify(recomputed)).out).toContain('anchors NOT checked');

    const forged = structuredClone(json);
    forged.stream.heads[0].hmac = '00'.repeat(32);
    expect(runDocScript(JSON.stringify(forged), KEY).out).toContain('anchored head 1: forged');
  });
});
