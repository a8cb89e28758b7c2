import { describe, expect, it } from 'vitest';
import { planRun } from './commands/start.ts';
import { formatValue, histogram, renderReportHtml, scorecardText, weightedScores, type ReportData, type ScorecardRow } from './report.ts';

const row = (over: Partial<ScorecardRow>): ScorecardRow => ({
  period: '2026-01',
  periodStart: '2026-01-01',
  column: 'private',
  standardVersion: 1,
  department: 'transport_delivery',
  indicator: 'on_time_delivery',
  unit: 'basis_points',
  direction: 'higher_is_better',
  weightBp: 2000,
  target: 9500,
  actual: 9600,
  basis: 10,
  met: true,
  weightedScore: 20,
  ...over,
});

describe('start: run planning', () => {
  const req = { seed: 1, customers: 5, days: 7 };
  it('starts at the default date, continues after the last sent run, repeats an interrupted run', () => {
    const first = planRun({ runs: [] }, req, '2026-01-05');
    expect(first).toEqual({ runIndex: 0, ...req, startDate: '2026-01-05', status: 'sending' });
    const next = planRun({ runs: [{ ...first, status: 'sent' }] }, { ...req, days: 3 }, '2026-01-05');
    expect(next).toMatchObject({ runIndex: 1, startDate: '2026-01-12', days: 3 });
    const interrupted = { ...next, status: 'sending' as const };
    expect(planRun({ runs: [first, interrupted] }, { seed: 9, customers: 1, days: 1 }, '2026-01-05')).toBe(interrupted);
  });
});

describe('report', () => {
  it('bins handling times in 12-hour bins and formats values by unit', () => {
    expect(histogram([0, 11.9, 12, 30]).map((b) => b.count)).toEqual([2, 1, 1]);
    expect(histogram([])).toEqual([{ from: 0, to: 12, count: 0 }]);
    expect(formatValue('basis_points', 9512)).toBe('95.12 %');
    expect(formatValue('hours', 36.25)).toBe('36.3 h');
    expect(formatValue('score_x100', 550)).toBe('5.50 / 7');
    expect(formatValue('hours', null)).toBe('-');
  });

  it('adds up the weighted score per period and column and prints it', () => {
    const rows = [row({}), row({ indicator: 'damage_free', weightedScore: 0, met: false, actual: 9000 }), row({ column: 'foreign', weightedScore: 20 })];
    expect(weightedScores(rows).get('2026-01')).toEqual(new Map([['private', 20], ['foreign', 20]]));
    const text = scorecardText(rows);
    expect(text).toContain('Scorecard 2026-01 (service standard v1');
    expect(text).toMatch(/on_time_delivery\s+96\.00 % \/ 95\.00 % ✓/);
    expect(text).toMatch(/weighted score\s+20\.0 \/ 100\s+20\.0 \/ 100/);
  });

  it('renders a self-contained document with the numbers in data attributes and escaped text', () => {
    const data: ReportData = {
      title: 'KPI <report>',
      subtitle: 's',
      daily: [{ day: '2026-01-05', onTime: { numerator: 9, denominator: 10 }, damageFree: { numerator: 10, denominator: 10 } }],
      handling: { hours: [5, 20], median: 12.5, p90: 18.5 },
      returnReasons: [{ reason: 'damage', returns: 3 }],
      scorecard: [row({})],
      segments: [{ segment: 'key', indicator: 'on_time_delivery', numerator: 4, denominator: 5 }],
    };
    const html = renderReportHtml(data);
    expect(html).toContain('<title>KPI &lt;report&gt;</title>');
    expect(html).toContain('data-numerator="9" data-denominator="10"');
    expect(html).toContain('data-median="12.5000" data-p90="18.5000"');
    expect(html).toContain('data-reason="damage" data-count="3"');
    expect(html).toContain('data-score="20.00"');
    expect(html).not.toMatch(/https?:\/\//);
  });
});
