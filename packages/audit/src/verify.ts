import { ZERO_HASH, type RecordedEvent } from '@cs/event-store';
import { headSignatureValid, type SignedHead } from './anchor.ts';

/** The hash of the first event's predecessor (the event store's `ZERO_HASH`). */
export const GENESIS_HASH = ZERO_HASH;

/** What went wrong with one event (the verification names the first). */
export type ProblemKind =
  /** the event's content no longer matches its hash (an UPDATE of data, metadata or hash) */
  | 'changed'
  /** a version is missing in the middle of the stream (a DELETE) */
  | 'removed'
  /** events are out of their chained order (versions or positions swapped) */
  | 'reordered'
  /** the stream ends before the last anchored version (a truncated tail) */
  | 'missing_tail'
  /** the chain is consistent in itself but disagrees with an anchored head (recomputed) */
  | 'chain_recomputed'
  /** an anchored head's HMAC is wrong (forged or damaged anchor) */
  | 'anchor_forged';

export type Problem = { kind: ProblemKind; version: number; eventId?: string | undefined; message: string };

export type Verification = {
  /** true when the chain holds, every anchor is genuine and agrees, and nothing is missing */
  ok: boolean;
  streamId: string;
  eventsChecked: number;
  /**
   * 'verified': genuine heads were found and compared; 'absent': no heads for this stream;
   * 'no_key': heads could not be checked without AUDIT_HMAC_KEY. Without verified anchors a
   * truncated tail or a wholly recomputed chain cannot be detected.
   */
  anchor: 'verified' | 'absent' | 'no_key';
  /** the highest anchored version, 0 when none */
  anchoredVersion: number;
  /** events after the last anchored head (anchoring lags or failed): not a failure, but not anchored */
  unanchoredFrom: number | null;
  firstProblem: Problem | null;
  problems: Problem[];
};

/** The event as hashed: everything but the read-side fields (position, upcasting). */
export type HashableEvent = Pick<RecordedEvent, 'id' | 'streamId' | 'streamVersion' | 'type' | 'data' | 'metadata' | 'hash' | 'prevHash'> & {
  schemaVersion: number;
};

/**
 * Verifies one stream's events (in the order the store returns them) against their own hash
 * chain and against the signed heads anchored outside the database; names the first bad event
 * and what happened to it.
 *
 * @example
 * const v = verifyStream('Complaint-7', events, heads, key, eventHash);
 * if (!v.ok) console.log(v.firstProblem); // { kind: 'changed', version: 3, … }
 */
export const verifyStream = (
  streamId: string,
  events: readonly HashableEvent[],
  heads: readonly SignedHead[],
  key: string | Buffer | undefined,
  hashOf: (event: HashableEvent) => string,
): Verification => {
  const problems: Problem[] = [];
  const add = (kind: ProblemKind, version: number, message: string, eventId?: string): void => {
    problems.push({ kind, version, eventId, message });
  };

  // anchors: genuine heads only
  const anchored = new Map<number, string>();
  let anchoredVersion = 0;
  for (const h of heads) {
    if (h.streamId !== streamId) continue;
    if (key === undefined) continue;
    if (!headSignatureValid(key, h)) {
      add('anchor_forged', h.version, `the anchored head of version ${h.version} has a wrong HMAC`);
      continue;
    }
    anchored.set(h.version, h.hash);
    anchoredVersion = Math.max(anchoredVersion, h.version);
  }

  const indexOfHash = new Map<string, number>();
  events.forEach((e, i) => indexOfHash.set(e.hash, i));
  const versions = new Set(events.map((e) => e.streamVersion));

  let expected = 1;
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i]!;
    let flagged = false;
    if (e.streamId !== streamId) {
      add('changed', e.streamVersion, `event ${e.id} belongs to ${e.streamId}, not ${streamId}`, e.id);
      flagged = true;
    } else if (e.streamVersion !== expected) {
      if (e.streamVersion > expected && !versions.has(expected)) {
        add('removed', expected, `version ${expected} is missing (the stream jumps from ${expected - 1} to ${e.streamVersion})`);
        // the next link is broken by the removal, not by this event: resynchronise on it
        if (e.prevHash !== prevHash && hashOf(e) === e.hash) flagged = true;
      } else {
        add('reordered', e.streamVersion, `version ${e.streamVersion} comes where version ${expected} should`, e.id);
        flagged = true;
      }
    }
    if (!flagged && e.prevHash !== prevHash) {
      const j = indexOfHash.get(e.prevHash);
      if (j !== undefined && j > i) {
        add('reordered', e.streamVersion, `version ${e.streamVersion} chains to an event that comes after it`, e.id);
        flagged = true;
      }
    }
    if (!flagged && hashOf(e) !== e.hash) {
      add('changed', e.streamVersion, `the content of version ${e.streamVersion} (${e.type}) no longer matches its hash`, e.id);
      flagged = true;
    }
    if (!flagged && e.prevHash !== prevHash) {
      const prev = events[i - 1];
      // this event is intact, so its predecessor's stored hash was rewritten after this event
      // chained to it: a change, not a recomputed chain (drop that weaker finding)
      const weaker = problems.findIndex((p) => p.kind === 'chain_recomputed' && p.version === prev?.streamVersion);
      if (weaker >= 0) problems.splice(weaker, 1);
      add('changed', prev?.streamVersion ?? e.streamVersion - 1, `version ${prev?.streamVersion ?? e.streamVersion - 1} was rewritten: version ${e.streamVersion} chained to another hash`, prev?.id);
      flagged = true;
    }
    if (!flagged) {
      const a = anchored.get(e.streamVersion);
      if (a !== undefined && a !== e.hash) {
        add('chain_recomputed', e.streamVersion, `version ${e.streamVersion} hashes consistently but differs from its anchored head: the chain was recomputed`, e.id);
      }
    }
    prevHash = e.hash;
    expected = e.streamVersion + 1;
  }
  const last = events.reduce((m, e) => Math.max(m, e.streamVersion), 0); // no spread: a long stream overflows the stack
  if (anchoredVersion > last) {
    add('missing_tail', last + 1, `the stream ends at version ${last} but version ${anchoredVersion} was anchored: versions ${last + 1}..${anchoredVersion} are missing`);
  }
  // events in reading order first, then the tail, then forged anchors
  const rank = (p: Problem): number => (p.kind === 'anchor_forged' ? 2 : p.kind === 'missing_tail' ? 1 : 0);
  const sorted = [...problems].sort((a, b) => rank(a) - rank(b));
  return {
    ok: sorted.length === 0,
    streamId,
    eventsChecked: events.length,
    anchor: key === undefined ? 'no_key' : anchored.size > 0 ? 'verified' : 'absent',
    anchoredVersion,
    unanchoredFrom: last > anchoredVersion ? anchoredVersion + 1 : null,
    firstProblem: sorted[0] ?? null,
    problems: sorted,
  };
};
