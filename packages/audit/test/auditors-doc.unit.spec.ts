import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditComplaint, formatAudit, memoryAccessLog, memoryAnchors } from '../src/index.ts';
import { chainedStream, fixedStore, headsFor, KEY, miniDecider, rechain } from './fixtures.ts';

const doc = readFileSync(path.join(__dirname, '../../../docs/auditors.md'), 'utf8');
const script = /<!-- verify-script:start -->\s*```js\n([\s\S]*?)```\s*<!-- verify-script:end -->/.exec(doc)?.[1];
const dir = mkdtempSync(path.join(tmpdir(), 'audit-doc-'));
const scriptPath = path.join(dir, 'verify-export.mjs');

const complaint = chainedStream('Complaint-c9', [
  { type: 'ComplaintReceived', data: { complaintId: 'c9', number: 'C-9', orderId: 'o1', category: 'damage', text: '箱子破了 "quoted", comma' } },
  { type: 'ComplaintAcknowledged', data: { complaintId: 'c9' } },
  { type: 'ComplaintResolved', data: { complaintId: 'c9', resolution: 'refund', compensationFen: 1250, ratio: 0.5 } },
]);
const order = chainedStream('Order-o1', [
  { type: 'OrderPlaced', data: { orderId: 'o1', totalFen: 9900, lines: [{ sku: 'a', quantity: 2 }] } },
  { type: 'ReturnReserved', data: { orderId: 'o1', returnId: 'r1' } },
]);
const ret = chainedStream('ReturnRequest-r1', [{ type: 'ReturnRequested', data: { returnId: 'r1', orderId: 'o1' } }]);

const runScript = (file: string, key?: string): { code: number; out: string } => {
  try {
    const out = execFileSync(process.execPath, [scriptPath, file], { env: { ...process.env, AUDIT_HMAC_KEY: key ?? '' }, encoding: 'utf8' });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
};

describe('docs/auditors.md standalone verification', () => {
  it('the doc holds the script', () => {
    expect(script).toBeDefined();
    writeFileSync(scriptPath, script!);
  });

  it('verifies a fresh export, and names tampering in a copy', async () => {
    const anchors = memoryAnchors();
    for (const h of [...headsFor(complaint), ...headsFor(order), ...headsFor(ret)]) await anchors.publish(h);
    const audit = await auditComplaint(
      { store: fixedStore([complaint, order, ret]), anchors, key: KEY, accessLog: memoryAccessLog(() => '2024-06-01T00:00:00.000Z'), aggregates: { complaint: { decider: miniDecider } as never }, now: () => '2024-06-01T00:00:00.000Z' },
      { complaint: 'c9', withOrder: true, reader: 'alice' },
      { via: 'cli', principal: 'test' },
    );
    expect(audit.verified).toBe(true);
    const file = path.join(dir, 'export.json');
    writeFileSync(file, formatAudit(audit, 'json'));
    const ok = runScript(file, KEY);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Complaint-c9: OK (3 events, 3 heads checked)');
    expect(ok.out).toContain('Order-o1: OK');
    expect(ok.out).toContain('ReturnRequest-r1: OK');

    const json = JSON.parse(readFileSync(file, 'utf8'));
    const tampered = structuredClone(json);
    tampered.stream.events[1].data.note = 'x';
    writeFileSync(path.join(dir, 't1.json'), JSON.stringify(tampered));
    expect(runScript(path.join(dir, 't1.json'), KEY)).toMatchObject({ code: 1 });
    expect(runScript(path.join(dir, 't1.json'), KEY).out).toContain('Complaint-c9: version 2: content changed');

    const truncated = structuredClone(json);
    truncated.stream.events.pop();
    writeFileSync(path.join(dir, 't2.json'), JSON.stringify(truncated));
    expect(runScript(path.join(dir, 't2.json'), KEY).out).toContain('versions 3..3: missing (truncated)');

    const recomputed = structuredClone(json);
    const forgedEvents = rechain(complaint.map((e, i) => (i === 1 ? { ...e, data: { complaintId: 'c9', forged: true } } : e)), 1);
    recomputed.stream.events = forgedEvents.map((e) => ({ ...e, schemaVersion: e.storedSchemaVersion, position: undefined, storedSchemaVersion: undefined }));
    writeFileSync(path.join(dir, 't3.json'), JSON.stringify(recomputed));
    expect(runScript(path.join(dir, 't3.json'), KEY).out).toContain('version 2: differs from its anchor (chain recomputed)');
    expect(runScript(path.join(dir, 't3.json')).out).toContain('anchors NOT checked');
  });
});
