import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@cs/event-store';
import { canonical as canonicalJson } from './canonical.ts';
import type { HashableEvent } from './verify.ts';

/**
 * The event as the store hashed it on the write path: the stored schema version, the data,
 * the metadata with `recordedAt`, and the predecessor's hash.
 *
 * @example
 * const h = hashableOf(recorded);
 */
export const hashableOf = (e: RecordedEvent): HashableEvent => ({
  id: e.id,
  streamId: e.streamId,
  streamVersion: e.streamVersion,
  type: e.type,
  schemaVersion: e.storedSchemaVersion,
  data: e.data,
  metadata: e.metadata,
  hash: e.hash,
  prevHash: e.prevHash,
});

/**
 * Recomputes an event's hash: sha-256 (hex) of the RFC 8785 canonical JSON of
 * `{streamId, streamVersion, id, type, schemaVersion, data, metadata, prevHash}`, the same
 * input the event store hashes on append.
 *
 * @example
 * recomputeHash(hashableOf(recorded)) === recorded.hash; // true unless tampered with
 */
export const recomputeHash = (e: HashableEvent): string =>
  createHash('sha256')
    .update(
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
    )
    .digest('hex');
