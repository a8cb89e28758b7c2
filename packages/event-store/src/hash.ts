import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { RecordedEvent } from './port.ts';

/** The `prevHash` of the first event of every stream. */
export const ZERO_HASH = '0'.repeat(64);

/** What the hash of an event covers (the event as stored, before any upcasting). */
export type HashableEvent = {
  streamId: string;
  streamVersion: number;
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  prevHash: string;
};

/**
 * One-shot `crypto.hash` (Node 20.12+, 21.7+): the same digest as a Hash object, without
 * creating one; undefined on an older Node, where the Hash object is used.
 */
const oneShotHash = (crypto as { hash?: unknown }).hash as ((algorithm: string, data: string | Buffer, encoding: 'hex') => string) | undefined;

/**
 * sha-256 (hex) of a string, UTF-8 encoded.
 *
 * @example
 * sha256Hex('abc'); // 'ba7816bf...'
 */
export const sha256Hex: (text: string) => string = oneShotHash
  ? (text) => oneShotHash('sha256', text, 'hex')
  : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The hash-chain link of one event: sha-256 over the RFC 8785 canonical JSON of
 * `{streamId, streamVersion, id, type, schemaVersion, data, metadata, prevHash}`. Every
 * adapter computes it with this function on the write path.
 *
 * @example
 * const hash = eventHash({ streamId: 'Order-1', streamVersion: 1, id, type: 'OrderPlaced', schemaVersion: 1, data, metadata, prevHash: ZERO_HASH });
 */
export const eventHash = (e: HashableEvent): string =>
  sha256Hex(
    canonicalJson({
      streamId: e.streamId,
      streamVersion: e.streamVersion,
      id: e.id,
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: e.data,
      metadata: e.metadata,
      prevHash: e.prevHash,
    }),
  );

export type ChainProblem = {
  /** The stream version of the first event that does not verify. */
  version: number;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'version_gap' | 'other_stream';
  message: string;
};
export type ChainVerification = { ok: true; checked: number; head: string } | ({ ok: false; checked: number } & ChainProblem);

/**
 * Verifies a stream's hash chain as read back (read it with `raw: true` so no upcaster has
 * changed the data): versions consecutive from the first event's, each `prevHash` equal to the
 * previous hash (64 zeros before version 1, or `options.prevHash` when starting mid-stream),
 * and each hash recomputed from the stored content. Returns the first bad version and why.
 *
 * @example
 * const v = verifyChain(await store.readStream('Complaint-7', { raw: true }));
 * if (!v.ok) console.log(`version ${v.version}: ${v.reason}`);
 */
export const verifyChain = (events: readonly RecordedEvent[], options: { prevHash?: string } = {}): ChainVerification => {
  const first = events[0];
  if (!first) return { ok: true, checked: 0, head: options.prevHash ?? ZERO_HASH };
  let prev = options.prevHash ?? (first.streamVersion === 1 ? ZERO_HASH : first.prevHash);
  let expectedVersion = first.streamVersion;
  let checked = 0;
  for (const e of events) {
    const fail = (reason: ChainProblem['reason'], message: string): ChainVerification => ({ ok: false, checked, version: e.streamVersion, reason, message });
    if (e.streamId !== first.streamId) return fail('other_stream', `event ${e.id} belongs to ${e.streamId}, not ${first.streamId}`);
    if (e.streamVersion !== expectedVersion) return fail('version_gap', `expected version ${expectedVersion}, found ${e.streamVersion}`);
    if (e.prevHash !== prev) return fail('prev_hash_mismatch', `prevHash ${e.prevHash} does not link to ${prev}`);
    const recomputed = eventHash({ ...e, schemaVersion: e.storedSchemaVersion });
    if (recomputed !== e.hash) return fail('hash_mismatch', `stored hash ${e.hash} differs from recomputed ${recomputed}`);
    prev = e.hash;
    expectedVersion += 1;
    checked += 1;
  }
  return { ok: true, checked, head: prev };
};

// Namespace: the RFC 4122 URL namespace, so ids do not collide with other v5 users' DNS names.
const UUID_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
const HEX = '0123456789abcdef';

/** sha-1 (hex) of the namespace followed by `name` in UTF-8. */
const namespacedSha1Hex: (name: string) => string = oneShotHash
  ? (name) => {
      // One buffer for the one-shot hash: about half the time of a Hash object's two updates.
      const bytes = Buffer.allocUnsafe(UUID_NAMESPACE.length + Buffer.byteLength(name, 'utf8'));
      UUID_NAMESPACE.copy(bytes, 0);
      bytes.write(name, UUID_NAMESPACE.length, 'utf8');
      return oneShotHash('sha1', bytes, 'hex');
    }
  : (name) => createHash('sha1').update(UUID_NAMESPACE).update(name, 'utf8').digest('hex');

/**
 * A deterministic UUID (version 5 layout, sha-1 based) from a name: event ids derived from
 * the command id, stream and index are identical on a retry, so stores can recognise it.
 *
 * @example
 * deterministicUuid('cmd-1|Order-42|0'); // always the same 'xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx'
 */
export const deterministicUuid = (name: string): string => {
  const h = namespacedSha1Hex(name);
  // The first 16 bytes; version 5 in the high nibble of byte 6, the RFC 4122 variant (10xx) in byte 8's.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${HEX[(parseInt(h[16]!, 16) & 0x3) | 0x8]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
