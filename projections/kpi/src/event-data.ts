import { KpiError } from './errors.ts';

/** The part of a recorded event the KPI projection reads (a `RecordedEvent` fits). */
export type KpiEvent = {
  id: string;
  streamId: string;
  position: string;
  type: string;
  data: unknown;
};

/**
 * Typed reads of an event's data that fail with a coded `invalid_event` error naming the
 * event and the field, instead of writing nulls.
 *
 * @example
 * const d = reader(event); const at = d.time('occurredAt');
 */
export const reader = (event: KpiEvent) => {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new KpiError('invalid_event', `${event.type} ${event.id}: field ${field} must be ${expected}`, {
      eventId: event.id,
      type: event.type,
      field,
    });
  };
  const str = (field: string): string => {
    const v = data[field];
    return typeof v === 'string' && v !== '' ? v : fail(field, 'a non-empty string');
  };
  const optStr = (field: string): string | null => {
    const v = data[field];
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? v : fail(field, 'a string or null');
  };
  const time = (field: string): string => {
    const v = str(field);
    return Number.isNaN(Date.parse(v)) ? fail(field, 'an ISO date-time') : v;
  };
  const optTime = (field: string): string | null => {
    const v = optStr(field);
    if (v === null) return null;
    return Number.isNaN(Date.parse(v)) ? fail(field, 'an ISO date-time') : v;
  };
  const bool = (field: string): boolean => {
    const v = data[field];
    return typeof v === 'boolean' ? v : fail(field, 'a boolean');
  };
  const int = (field: string): number => {
    const v = data[field];
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(field, 'an integer');
  };
  const num = (field: string): number => {
    const v = data[field];
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(field, 'a number');
  };
  const list = (field: string): KpiEvent[] => {
    const v = data[field];
    if (!Array.isArray(v)) return fail(field, 'an array');
    return v.map((item, i) => ({ ...event, data: item, type: `${event.type}.${field}[${i}]` }));
  };
  const obj = (field: string): KpiEvent | null => {
    const v = data[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object') return fail(field, 'an object');
    return { ...event, data: v, type: `${event.type}.${field}` };
  };
  return { data, str, optStr, time, optTime, bool, int, num, list, obj, fail };
};
