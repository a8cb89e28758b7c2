/**
 * A complaint number is unique (DOMAIN.md): it is claimed on a stream of its own,
 * `ComplaintNumber-<number>`, before the complaint's `ComplaintReceived` is written
 * (docs/architecture.md "Unique complaint numbers"). A claim names the complaint that holds the
 * number; a release frees it again. The write path (packages/application) and the auditors'
 * lookup (packages/audit) read these streams by the same rules, kept here.
 */

export const COMPLAINT_NUMBER_CLAIMED = 'ComplaintNumberClaimed';
export const COMPLAINT_NUMBER_RELEASED = 'ComplaintNumberReleased';

/** The claim stream of complaint number `number`. */
export const complaintNumberStream = (number: string): string => `ComplaintNumber-${number}`;

/** The claim in force on a claim stream: complaint id ('' when the event names none) and the claim's stream version. */
export type ComplaintNumberClaim = { complaintId: string; version: number };

/**
 * The claim in force on a claim stream, from its events in stream order: the LAST event when
 * that is a claim (a release after a claim frees the number); undefined when the number is free.
 *
 * @example
 * claimInForce([{ type: 'ComplaintNumberClaimed', data: { complaintId: 'c-1' }, streamVersion: 1 }]);
 * // { complaintId: 'c-1', version: 1 }
 */
export const claimInForce = (events: readonly { type: string; data: unknown; streamVersion: number }[]): ComplaintNumberClaim | undefined => {
  const last = events.at(-1);
  if (!last || last.type !== COMPLAINT_NUMBER_CLAIMED) return undefined;
  const complaintId = ((last.data ?? {}) as { complaintId?: unknown }).complaintId;
  return { complaintId: typeof complaintId === 'string' ? complaintId : '', version: last.streamVersion };
};

/**
 * Whether the claim on `number` by a complaint that was received with `receivedNumber`
 * (undefined: not received yet) is stale: that complaint was received with ANOTHER number (it
 * lost a race for this one and its release never happened). A claim of a complaint not received
 * yet is in flight (or left by a crash for its retry) and still holds the number.
 */
export const isStaleClaim = (number: string, receivedNumber: string | undefined): boolean =>
  receivedNumber !== undefined && receivedNumber !== number;
