import { describe, expect, it } from 'vitest';
import { KpiError } from './errors.ts';
import { percentileCont } from './oracle.ts';
import { isoWeekLabel, localDate, periodLabel, periodStart } from './periods.ts';

describe('oracle periods (Intl bucketing)', () => {
  it('cuts dates in the company time zone', () => {
    expect(localDate('2026-03-01T16:30:00Z', 'Asia/Shanghai')).toBe('2026-03-02');
    expect(localDate('2026-03-01T16:30:00Z', 'UTC')).toBe('2026-03-01');
    expect(localDate('2026-03-02T03:00:00Z', 'America/New_York')).toBe('2026-03-01');
  });
  it('starts ISO weeks on Monday, across New Year', () => {
    expect(periodStart('2027-01-01', 'week')).toBe('2026-12-28');
    expect(periodStart('2026-12-28', 'week')).toBe('2026-12-28');
    expect(periodStart('2027-01-03', 'week')).toBe('2026-12-28');
    expect(periodStart('2027-01-04', 'week')).toBe('2027-01-04');
    expect(periodStart('2027-01-15', 'month')).toBe('2027-01-01');
    expect(isoWeekLabel('2027-01-03')).toBe('2026-W53');
    expect(isoWeekLabel('2025-12-29')).toBe('2026-W01');
    expect(periodLabel('2026-03-01', 'month')).toBe('2026-03');
  });
  it('refuses an unknown time zone with a coded error', () => {
    expect(() => localDate('2026-03-01T00:00:00Z', 'Mars/Olympus')).toThrow(KpiError);
  });
  it('computes continuous percentiles like percentile_cont', () => {
    expect(percentileCont([10, 30], 0.9)).toBe(28);
    expect(percentileCont([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentileCont([5], 0.9)).toBe(5);
  });
});
