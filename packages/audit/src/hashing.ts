import { eventHash, type RecordedEvent } from '@cs/event-store';
import type { HashableEvent } from './verify.ts';

/**
 * The event as the store hashed it on the write path: the STORED schema version, the data as
 * stored, the metadata with `recordedAt`, and the predecessor's hash. Feed it events read with
 * `readStream(id, { raw: true })`: an upcasted event no longer matches its hash.
 *
 * @example
 * const h = hashableOf((await store.readStream('Complaint-7', { raw: true }))[0]!);
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
 * Recomputes an event's hash with the event store's own `eventHash` (sha-256 of the RFC 8785
 * canonical JSON of `{streamId, streamVersion, id, type, schemaVersion, data, metadata,
 * prevHash}`): one implementation for the write path and the audit.
 *
 * @example
 * recomputeHash(hashableOf(recorded)) === recorded.hash; // true unless tampered with
 */
export const recomputeHash = (e: HashableEvent): string => eventHash(e);
