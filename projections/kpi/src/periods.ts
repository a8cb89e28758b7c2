import { KpiError } from './errors.ts';

/** The period kinds of every report. */
export type PeriodKind = 'day' | 'week' | 'month';
export const periodKinds: readonly PeriodKind[] = ['day', 'week', 'month'];

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new KpiError('invalid_settings', `unknown time zone "${timeZone}"`, { timeZone });
    }
    formatters.set(timeZone, f);
  }
  return f;
};

/**
 * The calendar date (`YYYY-MM-DD`) of an instant in a time zone, cut with `Intl.DateTimeFormat`.
 *
 * @example
 * localDate('2026-03-01T16:30:00Z', 'Asia/Shanghai'); // '2026-03-02'
 */
export const localDate = (iso: string, timeZone: string): string => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new KpiError('invalid_event', `"${iso}" is not an ISO date-time`, { value: iso });
  const parts = formatter(timeZone).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * The first day of the period holding a calendar date: the date itself, the Monday of its ISO
 * week (a week spanning New Year starts in December), or the first of its month.
 *
 * @example
 * periodStart('2027-01-01', 'week'); // '2026-12-28'
 */
export const periodStart = (date: string, kind: PeriodKind): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  if (kind === 'day') return date;
  if (kind === 'month') return `${pad(y, 4)}-${pad(m)}-01`;
  const utc = new Date(Date.UTC(y, m - 1, d));
  const sinceMonday = (utc.getUTCDay() + 6) % 7;
  utc.setUTCDate(utc.getUTCDate() - sinceMonday);
  return `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
};

/**
 * The ISO week label (`2026-W53`) of a calendar date: the ISO year is the year of the
 * week's Thursday.
 *
 * @example
 * isoWeekLabel('2027-01-01'); // '2026-W53'
 */
export const isoWeekLabel = (date: string): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utc = new Date(Date.UTC(y, m - 1, d));
  const dow = (utc.getUTCDay() + 6) % 7;
  utc.setUTCDate(utc.getUTCDate() - dow + 3); // Thursday of the same week
  const isoYear = utc.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(isoYear, 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() - ((firstThursday.getUTCDay() + 6) % 7) + 3);
  const week = 1 + Math.round((utc.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return `${pad(isoYear, 4)}-W${pad(week)}`;
};

/**
 * The label analysts read: `2026-03-02` (day), `2026-W10` (week), `2026-03` (month).
 *
 * @example
 * periodLabel('2026-12-28', 'week'); // '2026-W53'
 */
export const periodLabel = (start: string, kind: PeriodKind): string =>
  kind === 'day' ? start : kind === 'month' ? start.slice(0, 7) : isoWeekLabel(start);
