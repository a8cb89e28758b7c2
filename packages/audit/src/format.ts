import type { ComplaintAudit, StreamAudit } from './report.ts';

export type AuditFormat = 'table' | 'json' | 'csv';

const replacer = (_k: string, v: unknown): unknown =>
  v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : typeof v === 'bigint' ? v.toString() : v;

const streams = (a: ComplaintAudit): StreamAudit[] => [a.stream, ...(a.order ? [a.order] : []), ...a.returns, ...(a.numberClaims ? [a.numberClaims] : [])];

/**
 * One CSV cell (RFC 4180 quoting). Text that starts like a spreadsheet formula (= + - @, a tab or
 * a CR: a person, a command id or a summary is whatever a sender wrote) gets a leading ' so that a
 * spreadsheet shows it instead of running it (OWASP "CSV injection"); numbers stay as they are.
 * The JSON export is verbatim.
 */
const csvCell = (v: unknown): string => {
  const raw = v === null || v === undefined ? '' : String(v);
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const status = (s: StreamAudit, version: number): string =>
  s.verification.problems.find((p) => p.version === version)?.kind ?? 'ok';

const verdict = (s: StreamAudit): string => {
  const v = s.verification;
  if (v.firstProblem) return `FAILED: ${v.firstProblem.kind} at version ${v.firstProblem.version} - ${v.firstProblem.message}`;
  const anchor =
    v.anchor === 'verified'
      ? `anchored up to version ${v.anchoredVersion}${v.unanchoredFrom ? ` (versions from ${v.unanchoredFrom} not yet anchored)` : ''}`
      : v.anchor === 'no_key'
        ? 'anchors NOT checked (AUDIT_HMAC_KEY not set): truncation or recomputation would go unseen'
        : 'NO anchored heads found: truncation or recomputation would go unseen';
  return `chain intact over ${v.eventsChecked} event(s); ${anchor}`;
};

const pad = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

const table = (a: ComplaintAudit): string => {
  const out: string[] = [];
  out.push(`Complaint ${a.complaint.number ?? '(no number)'}  id ${a.complaint.id}`);
  out.push(`Read by ${a.access.reader} (${a.access.principal}, via ${a.access.via}) at ${a.access.readAt}; access log #${a.access.id}`);
  const h = a.handlingTimes;
  const hrs = (x: number | null): string => (x === null ? '-' : `${x} h`);
  out.push(`Handling times (business time): to acknowledge ${hrs(h.hoursToAcknowledge)}, to resolve ${hrs(h.hoursToResolve)}, to close ${hrs(h.hoursToClose)}`);
  for (const s of streams(a)) {
    out.push('', `== ${s.streamId}`, `Verification: ${verdict(s)}`);
    const m = s.view.moment;
    const label = m.kind === 'latest' ? 'latest' : m.kind === 'asOf' ? `as recorded at ${m.asOf}` : `at version ${m.version}`;
    out.push(`State ${label} (version ${s.view.version}):`);
    if (s.view.error) out.push(`  (stops before ${s.view.error})`);
    out.push(JSON.stringify(s.view.state, replacer, 2).split('\n').map((l) => `  ${l}`).join('\n'));
    const cols: [string, number][] = [['v', 4], ['recorded', 24], ['business time', 24], ['event', 26], ['service', 14], ['person', 12], ['command', 14], ['correlation', 14], ['check', 8]];
    out.push(cols.map(([c, n]) => pad(c, n)).join(' ') + ' summary');
    for (const t of s.timeline) {
      const cells = [String(t.version), t.recordedAt, t.occurredAt, t.type, t.service, t.person ?? '-', t.commandId, t.correlationId, status(s, t.version)];
      out.push(cells.map((c, i) => pad(c, cols[i]![1])).join(' ') + ` ${t.summary}`);
    }
  }
  out.push('', a.verified ? 'VERIFIED' : 'NOT VERIFIED: see the failures above');
  return out.join('\n');
};

const csv = (a: ComplaintAudit): string => {
  const header = ['stream', 'version', 'recorded_at', 'occurred_at', 'event_type', 'service', 'person', 'command_id', 'correlation_id', 'causation_id', 'summary', 'hash', 'prev_hash', 'check'];
  const rows = [header.join(',')];
  for (const s of streams(a))
    for (const t of s.timeline)
      rows.push(
        [s.streamId, t.version, t.recordedAt, t.occurredAt, t.type, t.service, t.person, t.commandId, t.correlationId, t.causationId, t.summary, t.hash, t.prevHash, status(s, t.version)]
          .map(csvCell)
          .join(','),
      );
  for (const s of streams(a))
    for (const p of s.verification.problems)
      if (!s.timeline.some((t) => t.version === p.version))
        rows.push([s.streamId, p.version, '', '', '', '', '', '', '', '', p.message, '', '', p.kind].map(csvCell).join(','));
  return `${rows.join('\r\n')}\r\n`;
};

/**
 * Renders an audit as a table (default), complete JSON (with events, hashes and heads, for
 * the standalone verification in docs/auditors.md) or CSV (one row per event; a `check`
 * column with `ok` or the problem found at that version).
 *
 * @example
 * process.stdout.write(formatAudit(audit, 'csv'));
 */
export const formatAudit = (audit: ComplaintAudit, format: AuditFormat): string =>
  format === 'json' ? `${JSON.stringify(audit, replacer, 2)}\n` : format === 'csv' ? csv(audit) : `${table(audit)}\n`;
