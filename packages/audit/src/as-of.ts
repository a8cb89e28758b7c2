import type { Decider } from '@cs/domain';
import type { RecordedEvent } from '@cs/event-store';
import { AuditError } from './errors.ts';

/** Which past moment to show: the latest, as the record stood at an instant, or at a version. */
export type Moment = { kind: 'latest' } | { kind: 'asOf'; asOf: string } | { kind: 'at'; version: number };

const isoWithZone = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A day the calendar has and an hour 0..23: Date.parse reads 2024-02-30 or 24:00 as the next day. */
const onCalendar = (m: RegExpExecArray): boolean => {
  const [year, month, day, hour] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days && hour <= 23;
};

/**
 * Parses `--as-of` / `--at` into a `Moment`; bad input gets an `invalid_argument` error.
 *
 * @example
 * parseMoment({ asOf: '2024-05-01T10:00:00Z' }); // { kind: 'asOf', asOf: '2024-05-01T10:00:00.000Z' }
 */
export const parseMoment = (input: { asOf?: string | undefined; at?: string | number | undefined }): Moment => {
  if (input.asOf !== undefined && input.at !== undefined) throw new AuditError('invalid_argument', 'give either --as-of or --at, not both');
  if (input.asOf !== undefined) {
    const ms = Date.parse(input.asOf);
    const m = isoWithZone.exec(input.asOf);
    if (!m || !onCalendar(m) || Number.isNaN(ms))
      throw new AuditError('invalid_argument', `--as-of wants an ISO 8601 time with a zone, e.g. 2024-05-01T10:00:00Z; got '${input.asOf}'`);
    return { kind: 'asOf', asOf: new Date(ms).toISOString() };
  }
  if (input.at !== undefined) {
    const n = typeof input.at === 'number' ? input.at : /^\d+$/.test(input.at) ? Number(input.at) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new AuditError('invalid_argument', `--at wants a version >= 1; got '${String(input.at)}'`);
    return { kind: 'at', version: n };
  }
  return { kind: 'latest' };
};

/**
 * The events the record held at a moment: for `asOf`, every event RECORDED at or before that
 * instant (what an auditor would have seen then; facts keyed in late appear from their
 * recording, not from their business time); for `at`, versions 1..n.
 *
 * @example
 * const prefix = eventsAt(events, { kind: 'at', version: 3 });
 */
export const eventsAt = (events: readonly RecordedEvent[], moment: Moment): RecordedEvent[] => {
  if (moment.kind === 'latest') return [...events];
  if (moment.kind === 'at') {
    const head = events.length === 0 ? 0 : events[events.length - 1]!.streamVersion;
    if (moment.version > head) throw new AuditError('invalid_argument', `--at ${moment.version}: the stream has only ${head} version(s)`);
    return events.filter((e) => e.streamVersion <= moment.version);
  }
  const limit = Date.parse(moment.asOf);
  // the prefix, not a filter: recorded times follow the versions in a stream
  const out: RecordedEvent[] = [];
  for (const e of events) {
    if (Date.parse((e.metadata as { recordedAt?: string } | null)?.recordedAt ?? '') > limit) break;
    out.push(e);
  }
  return out;
};

/**
 * The state at a moment: the decider's fold over the events the record held then.
 *
 * @example
 * const { version, state } = stateAt(complaintAggregate.decider, events, { kind: 'asOf', asOf });
 */
export const stateAt = <S>(
  decider: Decider<never, never, S> | Decider<any, any, S>,
  events: readonly RecordedEvent[],
  moment: Moment,
): { version: number; state: S; error?: string } => {
  const prefix = eventsAt(events, moment);
  const d = decider as Decider<unknown, { type: string; data: unknown }, S>;
  let state = d.initialState();
  let version = 0;
  for (const e of prefix) {
    try {
      state = d.evolve(state, { type: e.type, data: e.data });
    } catch (err) {
      // an event the decider cannot fold (its data altered: the verification names it): the
      // state stops before it, and says so
      return { version, state, error: `version ${e.streamVersion} (${e.type}) cannot be folded: ${(err as Error).message}` };
    }
    version = e.streamVersion;
  }
  return { version, state };
};
