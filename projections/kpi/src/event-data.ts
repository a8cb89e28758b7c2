import { KpiError } from './errors.ts';

/** The part of a recorded event the KPI projection reads (a `RecordedEvent` fits). */
export type KpiEvent = {
  id: string;
  streamId: string;
  position: string;
  type: string;
  data: unknown;
};

/** Typed reads of one event's data (see `reader`); methods on a prototype, so a read allocates no closures. */
export class EventReader {
  readonly data: Record<string, unknown>;
  readonly event: KpiEvent;
  constructor(event: KpiEvent) {
    this.event = event;
    this.data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  }
  fail(field: string, expected: string): never {
    const event = this.event;
    throw new KpiError('invalid_event', `${event.type} ${event.id}: field ${field} must be ${expected}`, {
      eventId: event.id,
      type: event.type,
      field,
    });
  }
  str(field: string): string {
    const v = this.data[field];
    return typeof v === 'string' && v !== '' ? v : this.fail(field, 'a non-empty string');
  }
  optStr(field: string): string | null {
    const v = this.data[field];
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? v : this.fail(field, 'a string or null');
  }
  time(field: string): string {
    const v = this.str(field);
    return Number.isNaN(Date.parse(v)) ? this.fail(field, 'an ISO date-time') : v;
  }
  optTime(field: string): string | null {
    const v = this.optStr(field);
    if (v === null) return null;
    return Number.isNaN(Date.parse(v)) ? this.fail(field, 'an ISO date-time') : v;
  }
  bool(field: string): boolean {
    const v = this.data[field];
    return typeof v === 'boolean' ? v : this.fail(field, 'a boolean');
  }
  int(field: string): number {
    const v = this.data[field];
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : this.fail(field, 'an integer');
  }
  num(field: string): number {
    const v = this.data[field];
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(field, 'a number');
  }
  list(field: string): KpiEvent[] {
    const v = this.data[field];
    if (!Array.isArray(v)) return this.fail(field, 'an array');
    const event = this.event;
    return v.map((item, i) => ({ ...event, data: item, type: `${event.type}.${field}[${i}]` }));
  }
  obj(field: string): KpiEvent | null {
    const v = this.data[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object') return this.fail(field, 'an object');
    return { ...this.event, data: v, type: `${this.event.type}.${field}` };
  }
}

/**
 * Typed reads of an event's data that fail with a coded `invalid_event` error naming the
 * event and the field, instead of writing nulls.
 *
 * @example
 * const d = reader(event); const at = d.time('occurredAt');
 */
export const reader = (event: KpiEvent): EventReader => new EventReader(event);
