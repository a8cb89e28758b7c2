import type { RecordedEvent } from '@cs/event-store';

/** Hours from receipt to the first acknowledgement, resolution and closure (business time). */
export type HandlingTimes = {
  receivedAt: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  hoursToAcknowledge: number | null;
  hoursToResolve: number | null;
  hoursToClose: number | null;
};

const first = (events: readonly RecordedEvent[], type: string): string | null =>
  occurredAtOf(events.find((e) => e.type === type));

// a tampered event's metadata may be no object (verification names it): no time then
const occurredAtOf = (e: RecordedEvent | undefined): string | null => {
  const t = (e?.metadata as { occurredAt?: unknown } | null | undefined)?.occurredAt;
  return typeof t === 'string' ? t : null;
};

const hours = (from: string | null, to: string | null): number | null =>
  from === null || to === null ? null : Math.round(((Date.parse(to) - Date.parse(from)) / 3_600_000) * 100) / 100;

/**
 * Handling times of a complaint from its events, in hours rounded to 0.01, measured in
 * business time (`occurredAt`) from `ComplaintReceived` to the FIRST `ComplaintAcknowledged`,
 * `ComplaintResolved` and `ComplaintClosed` (a reopened complaint keeps its first times, as the
 * KPI does); null while a step has not happened.
 *
 * @example
 * handlingTimes(events).hoursToResolve; // 26.5
 */
export const handlingTimes = (events: readonly RecordedEvent[]): HandlingTimes => {
  const receivedAt = first(events, 'ComplaintReceived');
  const acknowledgedAt = first(events, 'ComplaintAcknowledged');
  const resolvedAt = first(events, 'ComplaintResolved');
  const closedAt = first(events, 'ComplaintClosed');
  return {
    receivedAt,
    acknowledgedAt,
    resolvedAt,
    closedAt,
    hoursToAcknowledge: hours(receivedAt, acknowledgedAt),
    hoursToResolve: hours(receivedAt, resolvedAt),
    hoursToClose: hours(receivedAt, closedAt),
  };
};
