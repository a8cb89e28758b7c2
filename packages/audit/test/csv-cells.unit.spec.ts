// The CSV export is opened in spreadsheets: a text cell that starts like a formula would run.
import { complaintAggregate } from '@cs/domain';
import { createInMemoryEventStore } from '@cs/event-store';
import { describe, expect, it } from 'vitest';
import { auditComplaint, formatAudit, memoryAccessLog, type AuditDeps } from '../src/index.ts';
import { complaintHistory, KEY, writer } from './history.ts';

const now = () => '2024-06-01T00:00:00.000Z';
const door = { via: 'cli' as const, principal: 'db:alice' };

/** The cells of one CSV line (RFC 4180 quoting). */
const cells = (line: string): string[] => {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
};

describe('the CSV export', () => {
  it("prefixes with ' a text cell a spreadsheet would run as a formula (= + - @ tab CR at its start), and leaves the others verbatim", async () => {
    const store = createInMemoryEventStore();
    const w = writer(store);
    const deps: AuditDeps = { store, anchors: w.anchors, key: KEY, accessLog: memoryAccessLog(now), aggregates: { complaint: complaintAggregate }, now };
    const c = await complaintHistory(w, { steps: 1 });
    for (const person of ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)']) await w.send('complaint.notifyProgress', { complaintId: c.id, message: '=1+1 called back', via: 'phone', occurredAt: '2024-05-01T12:00:00.000Z' }, person);
    const audit = await auditComplaint(deps, { complaint: c.id, reader: 'alice' }, door);
    const lines = formatAudit(audit, 'csv').trimEnd().split('\r\n');
    const header = cells(lines[0]!);
    const personAt = header.indexOf('person');
    const persons = lines.slice(1).map((l) => cells(l)[personAt]);
    expect(persons).toEqual(expect.arrayContaining([`'=HYPERLINK("http://evil.example","x")`, "'+1+1", "'-2+3", "'@SUM(A1)", 'wang.fang']));
    for (const line of lines.slice(1)) for (const cell of cells(line)) expect(cell, line).not.toMatch(/^[=+\-@\t\r]/);
    // the JSON export stays verbatim
    expect(formatAudit(audit, 'json')).toContain('"=HYPERLINK(\\"http://evil.example\\",\\"x\\")"');
  });
});
