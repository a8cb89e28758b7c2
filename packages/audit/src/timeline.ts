import type { RecordedEvent } from '@cs/event-store';

/** One line of an audit timeline. */
export type TimelineEntry = {
  version: number;
  position: string;
  eventId: string;
  /** when the store recorded the event (server time) */
  recordedAt: string;
  /** when the fact happened (business time, from the command) */
  occurredAt: string;
  type: string;
  schemaVersion: number;
  /** the service NATS authenticated */
  service: string;
  /** the person the service declared, if any */
  person: string | null;
  commandId: string;
  correlationId: string;
  causationId: string | null;
  summary: string;
  hash: string;
  prevHash: string;
};

const words = (type: string): string => {
  const s = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
};

const show = (v: unknown): string | undefined => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}...` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const name = o.name ?? o.code ?? o.kind ?? o.id;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
};

const moneyKey = /(amount|fen|compensation|price|total)$/i;

/**
 * A readable one-line summary of an event: its type in words and its telling fields
 * (ids and the business time left out; amounts in fen shown as yuan).
 *
 * @example
 * summarise({ type: 'ComplaintResolved', data: { complaintId: 'c1', resolution: 'refund', compensationFen: 1250 } });
 * // 'Complaint resolved: resolution=refund, compensationFen=12.50 CNY'
 */
export const summarise = (event: { type: string; data: unknown }): string => {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (k === 'occurredAt' || /Id$/.test(k) || k === 'id') continue;
    const s = typeof v === 'number' && Number.isInteger(v) && moneyKey.test(k) ? `${(v / 100).toFixed(2)} CNY` : show(v);
    if (s !== undefined && s !== '') parts.push(`${k}=${s}`);
    if (parts.length === 6) break;
  }
  return parts.length ? `${words(event.type)}: ${parts.join(', ')}` : words(event.type);
};

/**
 * The timeline of a stream: one entry per event, in version order.
 *
 * @example
 * const lines = buildTimeline(await store.readStream('Complaint-7'));
 */
export const buildTimeline = (events: readonly RecordedEvent[]): TimelineEntry[] =>
  events.map((e) => {
    // as stored: a tampered event's metadata may be no object or lack fields (verification names it)
    const m = fieldsOf(e.metadata);
    const actor = fieldsOf(m.actor);
    return {
      version: e.streamVersion,
      position: e.position,
      eventId: e.id,
      recordedAt: text(m.recordedAt),
      occurredAt: text(m.occurredAt),
      type: e.type,
      schemaVersion: e.schemaVersion,
      service: text(actor.service),
      person: actor.person === undefined || actor.person === null ? null : text(actor.person),
      commandId: text(m.commandId),
      correlationId: text(m.correlationId),
      causationId: m.causationId === undefined || m.causationId === null ? null : text(m.causationId),
      summary: summarise(e),
      hash: e.hash,
      prevHash: e.prevHash,
    };
  });

const fieldsOf = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
