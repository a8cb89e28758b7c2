// The KPI report: read from the analytics views, printed as a scorecard table, written as one
// self-contained HTML file (inline SVG and CSS, no external URL).
import { sql, type Kysely } from 'kysely';

export type Ratio = { numerator: number; denominator: number };

export type ScorecardRow = {
  period: string;
  periodStart: string;
  column: string;
  standardVersion: number;
  department: string;
  indicator: string;
  unit: string;
  direction: string;
  weightBp: number;
  target: number;
  actual: number | null;
  basis: number;
  met: boolean | null;
  weightedScore: number | null;
};

export type ReportData = {
  title: string;
  subtitle: string;
  daily: { day: string; onTime: Ratio | null; damageFree: Ratio | null }[];
  handling: { hours: number[]; median: number | null; p90: number | null };
  returnReasons: { reason: string; returns: number }[];
  scorecard: ScorecardRow[];
  segments: { segment: string; indicator: string; numerator: number; denominator: number }[];
};

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

/**
 * Reads everything the report shows from the `analytics` views (and the per-complaint handling
 * times from the KPI projection's `duration_facts`, for the distribution).
 *
 * @example
 * const data = await readReportData(db, { kpiSchema: 'kpi_v1', title: 'KPI report', subtitle: '' });
 */
export const readReportData = async (db: Kysely<any>, options: { kpiSchema: string; title: string; subtitle: string }): Promise<ReportData> => {
  const daily = await sql<{ day: string; indicator: string; numerator: string; denominator: string }>`
    SELECT period_start::date::text AS day, indicator, numerator, denominator FROM analytics.indicators
    WHERE period_kind = 'day' AND dimension_kind = 'all' AND indicator IN ('on_time_delivery', 'damage_free')
    ORDER BY 1, 2`.execute(db);
  const byDay = new Map<string, ReportData['daily'][number]>();
  for (const r of daily.rows) {
    const row = byDay.get(r.day) ?? { day: r.day, onTime: null, damageFree: null };
    const ratio = { numerator: num(r.numerator), denominator: num(r.denominator) };
    if (r.indicator === 'on_time_delivery') row.onTime = ratio;
    else row.damageFree = ratio;
    byDay.set(r.day, row);
  }
  const schema = sql.id(options.kpiSchema);
  const hours = await sql<{ hours: string }>`
    SELECT hours::double precision AS hours FROM ${schema}.duration_facts WHERE metric = 'complaint_handling_time' ORDER BY 1`.execute(db);
  const pct = await sql<{ median: string | null; p90: string | null }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours::double precision) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY hours::double precision) AS p90
    FROM ${schema}.duration_facts WHERE metric = 'complaint_handling_time'`.execute(db);
  const reasons = await sql<{ reason: string; returns: string }>`
    SELECT reason, sum(returns)::bigint AS returns FROM analytics.return_reasons WHERE period_kind = 'month'
    GROUP BY reason ORDER BY reason`.execute(db);
  const score = await sql<Record<string, unknown>>`
    SELECT period_label, period_start::date::text AS period_start, standard_column, standard_version, department, indicator, unit,
      direction, weight_bp, target, actual::double precision AS actual, basis, met, weighted_score::double precision AS weighted_score
    FROM analytics.scorecard WHERE period_kind = 'month'
    ORDER BY period_start, standard_column, department, indicator`.execute(db);
  const segments = await sql<{ segment: string; indicator: string; numerator: string; denominator: string }>`
    SELECT dimension_value AS segment, indicator, sum(numerator)::bigint AS numerator, sum(denominator)::bigint AS denominator
    FROM analytics.indicators WHERE period_kind = 'month' AND dimension_kind = 'classification'
      AND indicator IN ('on_time_delivery', 'damage_free', 'on_time_dispatch', 'demand_fulfilment', 'complaint_rate')
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  const first = pct.rows[0];
  return {
    title: options.title,
    subtitle: options.subtitle,
    daily: [...byDay.values()],
    handling: { hours: hours.rows.map((r) => num(r.hours)), median: numOrNull(first?.median), p90: numOrNull(first?.p90) },
    returnReasons: reasons.rows.map((r) => ({ reason: r.reason, returns: num(r.returns) })),
    scorecard: score.rows.map((r) => ({
      period: String(r.period_label),
      periodStart: String(r.period_start),
      column: String(r.standard_column),
      standardVersion: num(r.standard_version),
      department: String(r.department),
      indicator: String(r.indicator),
      unit: String(r.unit),
      direction: String(r.direction),
      weightBp: num(r.weight_bp),
      target: num(r.target),
      actual: numOrNull(r.actual),
      basis: num(r.basis),
      met: r.met === null || r.met === undefined ? null : Boolean(r.met),
      weightedScore: numOrNull(r.weighted_score),
    })),
    segments: segments.rows.map((r) => ({ segment: r.segment, indicator: r.indicator, numerator: num(r.numerator), denominator: num(r.denominator) })),
  };
};

/** A value in its unit, for people: 95.20 %, 36.5 h, 5.40 / 7. */
export const formatValue = (unit: string, value: number | null): string => {
  if (value === null) return '-';
  if (unit === 'basis_points') return `${(value / 100).toFixed(2)} %`;
  if (unit === 'hours') return `${value.toFixed(1)} h`;
  if (unit === 'score_x100') return `${(value / 100).toFixed(2)} / 7`;
  return String(value);
};

const columns = ['foreign', 'private', 'state_owned', 'individual', 'government_institution'] as const;
const columnLabel: Record<string, string> = {
  foreign: 'foreign',
  private: 'private',
  state_owned: 'state-owned',
  individual: 'individual',
  government_institution: 'government',
};

/** The weighted score per period and column: the sum of the weights of the indicators met (percent). */
export const weightedScores = (rows: readonly ScorecardRow[]): Map<string, Map<string, number>> => {
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = out.get(r.period) ?? new Map<string, number>();
    m.set(r.column, (m.get(r.column) ?? 0) + (r.weightedScore ?? 0));
    out.set(r.period, m);
  }
  return out;
};

/**
 * The scorecard as a plain-text table per month: actual vs target per indicator and
 * service-standard column, and the weighted score.
 *
 * @example
 * console.log(scorecardText(data.scorecard));
 */
export const scorecardText = (rows: readonly ScorecardRow[]): string => {
  const periods = [...new Set(rows.map((r) => r.period))];
  const scores = weightedScores(rows);
  const lines: string[] = [];
  const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));
  for (const period of periods) {
    const inPeriod = rows.filter((r) => r.period === period);
    const version = Math.max(...inPeriod.map((r) => r.standardVersion));
    lines.push(`Scorecard ${period} (service standard v${version}; actual / target, ✓ met, ✗ missed)`);
    lines.push(pad('indicator', 26) + columns.map((c) => pad(columnLabel[c]!, 24)).join(''));
    const indicators = [...new Set(inPeriod.map((r) => r.indicator))];
    for (const ind of indicators) {
      let line = pad(ind, 26);
      for (const c of columns) {
        const r = inPeriod.find((x) => x.indicator === ind && x.column === c);
        const cell = !r ? '' : `${formatValue(r.unit, r.actual)} / ${formatValue(r.unit, r.target)} ${r.met === null ? ' ' : r.met ? '✓' : '✗'}`;
        line += pad(cell, 24);
      }
      lines.push(line.trimEnd());
    }
    lines.push(pad('weighted score', 26) + columns.map((c) => pad(scores.get(period)?.has(c) ? `${scores.get(period)!.get(c)!.toFixed(1)} / 100` : '', 24)).join(''));
    lines.push('');
  }
  return lines.join('\n');
};

/**
 * The indicators per customer segment (key / suitable / general) over the whole run, as text:
 * rate and numerator/denominator. Targets are set per service-standard column (the scorecard
 * above), not per segment.
 *
 * @example
 * console.log(segmentsText(data.segments));
 */
export const segmentsText = (segs: ReportData['segments']): string => {
  const segments = ['key', 'suitable', 'general'].filter((x) => segs.some((y) => y.segment === x));
  if (segments.length === 0) return '';
  const pad = (t: string, n: number) => (t.length >= n ? t.slice(0, n) : t + ' '.repeat(n - t.length));
  const lines = ['By customer segment (whole run; actual, numerator/denominator)', pad('indicator', 26) + segments.map((x) => pad(x, 24)).join('')];
  for (const ind of [...new Set(segs.map((x) => x.indicator))]) {
    let line = pad(ind, 26);
    for (const seg of segments) {
      const r = segs.find((x) => x.segment === seg && x.indicator === ind);
      line += pad(r && r.denominator > 0 ? `${((100 * r.numerator) / r.denominator).toFixed(2)} % (${r.numerator}/${r.denominator})` : '-', 24);
    }
    lines.push(line.trimEnd());
  }
  return `${lines.join('\n')}\n`;
};

// ---------------------------------------------------------------------------------------------
// HTML

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '0');

/** Bins of the handling-time histogram: 12-hour bins up to the largest value (at least one). */
export const histogram = (hours: readonly number[], binHours = 12): { from: number; to: number; count: number }[] => {
  const n = hours.length === 0 ? 1 : Math.floor(Math.max(...hours) / binHours) + 1;
  const bins = Array.from({ length: n }, (_, i) => ({ from: i * binHours, to: (i + 1) * binHours, count: 0 }));
  for (const h of hours) bins[Math.min(n - 1, Math.floor(h / binHours))]!.count += 1;
  return bins;
};

const dailyChart = (daily: ReportData['daily']): string => {
  const W = 860;
  const H = 260;
  const L = 50;
  const B = 30;
  const days = daily.filter((d) => d.onTime || d.damageFree);
  const x = (i: number) => L + (days.length <= 1 ? (W - L - 10) / 2 : (i * (W - L - 10)) / (days.length - 1));
  const ratios = days.flatMap((d) => [d.onTime, d.damageFree]).filter((r): r is Ratio => r !== null && r.denominator > 0).map((r) => r.numerator / r.denominator);
  const lo = Math.max(0, Math.floor((Math.min(1, ...ratios) - 0.05) * 10) / 10);
  const y = (v: number) => 10 + (1 - (v - lo) / (1 - lo || 1)) * (H - B - 10);
  const series = (key: 'onTime' | 'damageFree', cls: string, name: string) => {
    const pts = days
      .map((d, i) => ({ d, i, r: d[key] }))
      .filter((p): p is { d: ReportData['daily'][number]; i: number; r: Ratio } => p.r !== null && p.r.denominator > 0);
    const line = pts.map((p) => `${f(x(p.i), 1)},${f(y(p.r.numerator / p.r.denominator), 1)}`).join(' ');
    const dots = pts
      .map(
        (p) =>
          `<circle class="point ${cls}" cx="${f(x(p.i), 1)}" cy="${f(y(p.r.numerator / p.r.denominator), 1)}" r="3" data-series="${name}" data-day="${p.d.day}" data-numerator="${p.r.numerator}" data-denominator="${p.r.denominator}" data-ratio="${f(p.r.numerator / p.r.denominator, 6)}"><title>${p.d.day}: ${p.r.numerator}/${p.r.denominator}</title></circle>`,
      )
      .join('');
    return `<polyline class="line ${cls}" points="${line}"/>${dots}`;
  };
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => lo + t * (1 - lo))
    .map((v) => `<line class="grid" x1="${L}" x2="${W - 10}" y1="${f(y(v), 1)}" y2="${f(y(v), 1)}"/><text class="axis" x="${L - 6}" y="${f(y(v) + 4, 1)}" text-anchor="end">${f(v * 100, 0)}%</text>`)
    .join('');
  const labels = days
    .map((d, i) => (i % Math.max(1, Math.ceil(days.length / 10)) === 0 ? `<text class="axis" x="${f(x(i), 1)}" y="${H - 8}" text-anchor="middle">${d.day.slice(5)}</text>` : ''))
    .join('');
  return `<svg id="daily-chart" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Daily on-time delivery and damage-free rates" data-days="${days.length}">${grid}${labels}${series('onTime', 'on-time', 'on_time_delivery')}${series('damageFree', 'damage-free', 'damage_free')}</svg>
<p class="legend"><span class="sw on-time"></span>on-time delivery <span class="sw damage-free"></span>damage-free (by delivery date, company time)</p>`;
};

const handlingChart = (h: ReportData['handling']): string => {
  const bins = histogram(h.hours);
  const W = 860;
  const H = 240;
  const L = 40;
  const B = 30;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const bw = (W - L - 10) / bins.length;
  const xOf = (hours: number) => L + (hours / (bins.length * 12)) * (W - L - 10);
  const rects = bins
    .map((b, i) => {
      const hgt = (b.count / max) * (H - B - 10);
      return `<rect class="bar handling" x="${f(L + i * bw + 1, 1)}" y="${f(H - B - hgt, 1)}" width="${f(Math.max(1, bw - 2), 1)}" height="${f(hgt, 1)}" data-from="${b.from}" data-to="${b.to}" data-count="${b.count}"><title>${b.from}-${b.to} h: ${b.count}</title></rect>`;
    })
    .join('');
  const marker = (v: number | null, cls: string, label: string) =>
    v === null ? '' : `<line class="marker ${cls}" x1="${f(xOf(v), 1)}" x2="${f(xOf(v), 1)}" y1="10" y2="${H - B}" data-value="${f(v, 4)}"/><text class="axis" x="${f(xOf(v) + 4, 1)}" y="20">${label} ${f(v, 1)} h</text>`;
  const labels = bins
    .map((b, i) => (i % Math.max(1, Math.ceil(bins.length / 12)) === 0 ? `<text class="axis" x="${f(L + i * bw, 1)}" y="${H - 10}">${b.from}h</text>` : ''))
    .join('');
  return `<svg id="handling-chart" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Complaint handling time distribution" data-complaints="${h.hours.length}" data-median="${h.median === null ? '' : f(h.median, 4)}" data-p90="${h.p90 === null ? '' : f(h.p90, 4)}">${rects}${labels}${marker(h.median, 'median', 'median')}${marker(h.p90, 'p90', 'p90')}</svg>
<p class="legend">${h.hours.length} complaints resolved; hours from receipt to first resolution, 12-hour bins. Median <b id="handling-median">${h.median === null ? '-' : f(h.median, 1)}</b> h, p90 <b id="handling-p90">${h.p90 === null ? '-' : f(h.p90, 1)}</b> h (continuous percentiles).</p>`;
};

const reasonsChart = (reasons: ReportData['returnReasons']): string => {
  const W = 860;
  const rowH = 28;
  const H = Math.max(1, reasons.length) * rowH + 10;
  const L = 120;
  const max = Math.max(1, ...reasons.map((r) => r.returns));
  const bars = reasons
    .map((r, i) => {
      const w = (r.returns / max) * (W - L - 60);
      return `<text class="axis" x="${L - 8}" y="${i * rowH + 22}" text-anchor="end">${esc(r.reason)}</text><rect class="bar reason" x="${L}" y="${i * rowH + 8}" width="${f(Math.max(1, w), 1)}" height="${rowH - 8}" data-reason="${esc(r.reason)}" data-count="${r.returns}"/><text class="axis" x="${f(L + w + 6, 1)}" y="${i * rowH + 22}">${r.returns}</text>`;
    })
    .join('');
  return `<svg id="reasons-chart" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Return reasons">${bars}</svg>
<p class="legend">Returns by confirmed reason ("unconfirmed" when the returns clerk could not establish the cause).</p>`;
};

const scorecardHtml = (rows: readonly ScorecardRow[]): string => {
  const periods = [...new Set(rows.map((r) => r.period))];
  const scores = weightedScores(rows);
  return periods
    .map((period) => {
      const inPeriod = rows.filter((r) => r.period === period);
      const indicators = [...new Set(inPeriod.map((r) => r.indicator))];
      const head = `<tr><th>indicator</th>${columns.map((c) => `<th>${columnLabel[c]}</th>`).join('')}</tr>`;
      const body = indicators
        .map((ind) => {
          const cells = columns
            .map((c) => {
              const r = inPeriod.find((x) => x.indicator === ind && x.column === c);
              if (!r) return '<td></td>';
              return `<td class="${r.met === null ? 'none' : r.met ? 'met' : 'missed'}" data-indicator="${ind}" data-column="${c}" data-actual="${r.actual === null ? '' : f(r.actual, 4)}" data-target="${r.target}" data-basis="${r.basis}">${formatValue(r.unit, r.actual)}<br><small>target ${formatValue(r.unit, r.target)}</small></td>`;
            })
            .join('');
          return `<tr><th>${esc(ind)}</th>${cells}</tr>`;
        })
        .join('');
      const total = `<tr class="total"><th>weighted score</th>${columns
        .map((c) => {
          const s = scores.get(period)?.get(c);
          return s === undefined ? '<td></td>' : `<td class="weighted-score" data-column="${c}" data-score="${f(s, 2)}">${f(s, 1)} / 100</td>`;
        })
        .join('')}</tr>`;
      const version = Math.max(...inPeriod.map((r) => r.standardVersion));
      return `<h3>${esc(period)} <small>service standard v${version}</small></h3><table class="scorecard" data-period="${esc(period)}">${head}${body}${total}</table>`;
    })
    .join('');
};

const segmentsHtml = (segs: ReportData['segments']): string => {
  const indicators = [...new Set(segs.map((s) => s.indicator))];
  const segments = ['key', 'suitable', 'general'].filter((s) => segs.some((x) => x.segment === s));
  const rows = indicators
    .map(
      (ind) =>
        `<tr><th>${esc(ind)}</th>${segments
          .map((seg) => {
            const s = segs.find((x) => x.segment === seg && x.indicator === ind);
            return s && s.denominator > 0 ? `<td data-segment="${seg}" data-indicator="${ind}" data-numerator="${s.numerator}" data-denominator="${s.denominator}">${f((100 * s.numerator) / s.denominator)} %<br><small>${s.numerator}/${s.denominator}</small></td>` : '<td>-</td>';
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table class="segments"><tr><th>indicator</th>${segments.map((s) => `<th>${s}</th>`).join('')}</tr>${rows}</table>`;
};

/**
 * The report as one self-contained HTML document: inline CSS and SVG, no script, no external
 * URL. Every chart element carries its numbers in `data-*` attributes.
 *
 * @example
 * writeFileSync('report.html', renderReportHtml(await readReportData(db, opts)));
 */
export const renderReportHtml = (d: ReportData): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:920px;color:#1d2733}
h1{font-size:22px;margin-bottom:0}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.sub{color:#5b6b7b;margin-top:4px}.chart{max-width:100%;height:auto;background:#fbfcfd;border:1px solid #e6ebf0}
.grid{stroke:#e3e8ee}.axis{font-size:11px;fill:#5b6b7b}.line{fill:none;stroke-width:2}
.line.on-time{stroke:#2b6cb0}.line.damage-free{stroke:#2f855a}.point.on-time{fill:#2b6cb0}.point.damage-free{fill:#2f855a}
.bar.handling{fill:#805ad5}.bar.reason{fill:#dd6b20}.marker{stroke-width:2;stroke-dasharray:4 3}.marker.median{stroke:#1a202c}.marker.p90{stroke:#c53030}
.legend{color:#5b6b7b}.sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}.sw.on-time{background:#2b6cb0}.sw.damage-free{background:#2f855a}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}th,td{border:1px solid #e1e6ec;padding:4px 6px;text-align:right;font-size:12px}th:first-child{text-align:left}
td.met{background:#f0fff4}td.missed{background:#fff5f5}tr.total td{font-weight:600}small{color:#718096}
</style></head>
<body>
<h1>${esc(d.title)}</h1><p class="sub">${esc(d.subtitle)}</p>
<h2>Daily on-time delivery and damage-free rates</h2>
${dailyChart(d.daily)}
<h2>Complaint handling time</h2>
${handlingChart(d.handling)}
<h2>Return reasons</h2>
${reasonsChart(d.returnReasons)}
<h2>Scorecard: actual vs target per service-standard column</h2>
${scorecardHtml(d.scorecard)}
<h2>By customer segment (key / suitable / general)</h2>
${segmentsHtml(d.segments)}
</body></html>
`;
