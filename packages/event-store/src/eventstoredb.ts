import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START as ESDB_START,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { canonicalJson } from './canonical-json.ts';
import { ConcurrencyError, EventStoreError } from './errors.ts';
import { ZERO_HASH } from './hash.ts';
import type { AppendResult, CommandOutcome, EventStore, ExpectedVersion, Idempotency, NewEvent, Position, ReadAllOptions, RecordedEvent, Snapshot } from './port.ts';
import { noUpcasters, type Upcasters } from './upcasting.ts';
import { checkExpectedVersion, checkOutcome, prepareEvents, recordedAtNow, typeFilter, metadataWanted, chainWanted, validateAppend } from './write-path.ts';

export type EventStoreDbOptions = { connectionString: string; upcasters?: Upcasters; clock?: () => Date };

const OUTCOME_PREFIX = 'cs-outcome-';
const SNAPSHOT_PREFIX = 'cs-snapshot-';
const internal = (streamId: string): boolean => streamId.startsWith(OUTCOME_PREFIX) || streamId.startsWith(SNAPSHOT_PREFIX) || streamId.startsWith('$');

/** What we keep in ESDB's event metadata next to the port's metadata. */
type StoredMeta = { meta: RecordedEvent['metadata']; schemaVersion: number; hash: string; prevHash: string };

const pad = (n: bigint): string => n.toString().padStart(20, '0');
const positionOf = (p: { commit: bigint; prepare: bigint } | undefined): Position => (p ? `${pad(p.commit)}:${pad(p.prepare)}` : '');
const parsePosition = (p: string): { commit: bigint; prepare: bigint } => {
  const m = /^(\d{20}):(\d{20})$/.exec(p);
  if (!m) throw new EventStoreError('invalid_event', `invalid position '${p}'`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
};

/**
 * Translates `@eventstore/db-client` errors (they carry a `type` string) into the store's codes.
 *
 * @example
 * try { await client.appendToStream(...) } catch (e) { throw translateEsdbError(e, streamId, expected) }
 */
export const translateEsdbError = (error: unknown, streamId?: string, expected?: ExpectedVersion): EventStoreError => {
  if (error instanceof EventStoreError) return error;
  const type = (error as { type?: unknown })?.type;
  const message = error instanceof Error ? error.message : String(error);
  switch (type) {
    case 'wrong-expected-version':
      return new ConcurrencyError(streamId ?? 'unknown', expected ?? 'unknown', undefined);
    case 'unavailable':
    case 'deadline-exceeded':
    case 'timeout':
    case 'not-leader':
    case 'cancelled':
      return new EventStoreError('unavailable', `EventStoreDB unavailable: ${message}`, true, { cause: error });
    case 'maximum-append-size-exceeded':
    case 'invalid-argument':
      return new EventStoreError('invalid_event', message, false, { cause: error });
    default:
      return new EventStoreError('internal', `EventStoreDB failure: ${message}`, false, { cause: error });
  }
};

/**
 * The event store on EventStoreDB (`@eventstore/db-client` 6). Same port and hash chain;
 * ESDB has no multi-stream transactions, so the command outcome (`cs-outcome-<commandId>`,
 * written with no_stream) is stored after the events: see docs/event-store.md for what this
 * does and does not guarantee. Event ids derive from the command id so ESDB's own idempotent
 * append recognises a retry.
 *
 * @example
 * const store = createEventStoreDbEventStore({ connectionString: 'esdb://localhost:2113?tls=false' });
 */
export const createEventStoreDbEventStore = (options: EventStoreDbOptions): EventStore => {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const upcasters = options.upcasters ?? noUpcasters;

  const toRecorded = (r: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined => {
    const e = r.event;
    if (!e || !e.isJson) return undefined;
    const m = e.metadata as StoredMeta | undefined;
    if (!m || typeof m.hash !== 'string') return undefined;
    return {
      id: e.id,
      streamId: e.streamId,
      streamVersion: Number(e.revision) + 1,
      position: positionOf(e.position),
      type: e.type,
      schemaVersion: m.schemaVersion,
      storedSchemaVersion: m.schemaVersion,
      data: e.data,
      metadata: m.meta,
      hash: m.hash,
      prevHash: m.prevHash,
    };
  };
  const collect = async <T,>(iter: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    try {
      for await (const x of iter) out.push(x);
    } catch (e) {
      if ((e as { type?: unknown }).type === 'stream-not-found') return [];
      throw e;
    }
    return out;
  };
  const head = async (streamId: string): Promise<{ version: number; hash: string; commandId?: string }> => {
    const [last] = await collect(client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    const r = last && toRecorded(last);
    return r ? { version: r.streamVersion, hash: r.hash, commandId: r.metadata.commandId } : { version: 0, hash: ZERO_HASH };
  };
  const readOutcome = async (commandId: string): Promise<CommandOutcome | undefined> => {
    const [first] = await collect(client.readStream(`${OUTCOME_PREFIX}${commandId}`, { direction: FORWARDS, fromRevision: ESDB_START, maxCount: 1 }));
    const d = first?.event?.data as CommandOutcome | undefined;
    return d && { commandId: d.commandId, requestHash: d.requestHash, reply: d.reply, recordedAt: d.recordedAt };
  };
  const writeOutcome = async (o: CommandOutcome): Promise<void> => {
    try {
      await client.appendToStream(`${OUTCOME_PREFIX}${o.commandId}`, jsonEvent({ type: 'CommandOutcome', data: o as never }), { expectedRevision: NO_STREAM });
    } catch (e) {
      if ((e as { type?: unknown }).type !== 'wrong-expected-version') throw e;
      checkOutcome(await readOutcome(o.commandId), o.commandId, o.requestHash);
      throw e;
    }
  };

  const append = async (streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion, idempotency?: Idempotency): Promise<AppendResult> => {
    validateAppend(streamId, events, expectedVersion);
    if (idempotency) checkOutcome(await readOutcome(idempotency.commandId), idempotency.commandId, idempotency.requestHash);
    for (let attempt = 1; ; attempt++) {
      const h = await head(streamId);
      if (idempotency && h.commandId === idempotency.commandId) {
        // A twin of this command appended but has not stored its outcome yet: wait for it.
        for (let i = 0; i < 50; i++) {
          checkOutcome(await readOutcome(idempotency.commandId), idempotency.commandId, idempotency.requestHash);
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new EventStoreError('internal', `command ${idempotency.commandId}: events stored but its outcome did not appear`, true);
      }
      checkExpectedVersion(streamId, expectedVersion, h.version);
      const recordedAt = recordedAtNow(options.clock);
      const prepared = prepareEvents(streamId, events, h, recordedAt);
      // Always append at the exact head we hashed against, so the chain cannot fork.
      const expectedRevision: AppendExpectedRevision = h.version === 0 ? NO_STREAM : BigInt(h.version - 1);
      try {
        await client.appendToStream(
          streamId,
          prepared.map((p) =>
            jsonEvent({
              id: p.id,
              type: p.type,
              data: p.data as never,
              metadata: { meta: p.metadata, schemaVersion: p.storedSchemaVersion, hash: p.hash, prevHash: p.prevHash } satisfies StoredMeta,
            }),
          ),
          { expectedRevision },
        );
      } catch (e) {
        const conflict = (e as { type?: unknown }).type === 'wrong-expected-version';
        if (conflict && expectedVersion === 'any' && attempt < 20) continue;
        throw translateEsdbError(e, streamId, expectedVersion);
      }
      // Read back what is stored (an idempotent re-append returns the first run's events).
      const stored = await readStream(streamId, { fromVersion: h.version + 1, toVersion: h.version + events.length, raw: true });
      const result: AppendResult = { streamId, nextVersion: h.version + events.length, positions: stored.map((e) => e.position), events: stored };
      if (idempotency) {
        const reply = JSON.parse(canonicalJson(idempotency.reply(result) ?? null)) as unknown;
        await writeOutcome({ commandId: idempotency.commandId, requestHash: idempotency.requestHash, reply, recordedAt });
      }
      return result;
    }
  };

  const readStream = async (streamId: string, o: { fromVersion?: number; toVersion?: number; raw?: boolean } = {}): Promise<RecordedEvent[]> => {
    const from = Math.max(1, o.fromVersion ?? 1);
    const to = o.toVersion ?? Number.MAX_SAFE_INTEGER;
    if (to < from) return [];
    const rows = await collect(client.readStream(streamId, { direction: FORWARDS, fromRevision: BigInt(from - 1), maxCount: Math.min(to - from + 1, Number.MAX_SAFE_INTEGER) }));
    return rows.flatMap((r) => {
      const e = toRecorded(r);
      return e ? [o.raw ? e : upcasters.apply(e)] : [];
    });
  };

  const wrap = async <T,>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw translateEsdbError(e);
    }
  };

  const readAll = async (o: ReadAllOptions = {}) =>
    wrap(async () => {
      const after = o.after ?? '';
      const limit = o.limit ?? 1000;
      const from = after === '' ? ESDB_START : parsePosition(after);
      const types = typeFilter(o.types);
      metadataWanted(o.metadata); // checked; this store returns the metadata whole
      chainWanted(o.chain); // and the hashes
      const events: RecordedEvent[] = [];
      let last = after;
      let scanned = 0;
      // Reads a little more than asked: the start position is inclusive and system events are skipped.
      const rows = await collect(client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: limit + 1 }));
      for (const r of rows) {
        const p = positionOf(r.event?.position);
        if (p <= after) continue;
        if (scanned >= limit) break;
        last = p;
        scanned++;
        // (types filtered here: ESDB's server-side filters page differently)
        const e = r.event && !internal(r.event.streamId) && (!types || types.has(r.event.type)) ? toRecorded(r) : undefined;
        if (e) events.push(o.raw ? e : upcasters.apply(e));
      }
      return { events, last, scanned };
    });

  return {
    kind: 'eventstoredb',
    append: (streamId, events, o) => wrap(() => append(streamId, events, o?.expectedVersion, o?.idempotency)),
    // No multi-stream transaction in ESDB: stream by stream, NOT atomic across streams.
    appendBatch: (batch) => wrap(async () => {
      const out: AppendResult[] = [];
      for (const b of batch) out.push(await append(b.streamId, b.events, b.expectedVersion));
      return out;
    }),
    readStream: (streamId, o) => wrap(() => readStream(streamId, o)),
    streamHead: (streamId) => wrap(async () => {
      const h = await head(streamId);
      return { version: h.version, hash: h.hash };
    }),
    readAll,
    subscribe: (o) => {
      const sub = client.subscribeToAll({ fromPosition: o.from === '' ? ESDB_START : parsePosition(o.from), filter: excludeSystemEvents() });
      let stopped = false;
      const done = (async () => {
        try {
          for await (const r of sub) {
            if (stopped) return;
            const e = r.event && !internal(r.event.streamId) ? toRecorded(r) : undefined;
            if (e && e.position > o.from) await o.onEvent(upcasters.apply(e));
          }
        } catch (e) {
          if (!stopped) throw translateEsdbError(e);
        }
      })();
      done.catch(() => undefined);
      return {
        done,
        stop: async () => {
          stopped = true;
          await sub.unsubscribe().catch(() => undefined);
          await done.catch(() => undefined);
        },
      };
    },
    findOutcome: (commandId) => wrap(() => readOutcome(commandId)),
    saveOutcome: (o) =>
      wrap(async () => {
        if (typeof o?.commandId !== 'string' || !o.commandId || typeof o.requestHash !== 'string' || !o.requestHash)
          throw new EventStoreError('invalid_event', 'an outcome needs a commandId and a requestHash');
        const kept: CommandOutcome = { commandId: o.commandId, requestHash: o.requestHash, reply: JSON.parse(canonicalJson(o.reply ?? null)) as unknown, recordedAt: recordedAtNow(options.clock) };
        await writeOutcome(kept);
        return kept;
      }),
    saveSnapshot: (s: Snapshot) =>
      wrap(async () => {
        if (typeof s?.streamId !== 'string' || !Number.isInteger(s.version) || s.version < 0) throw new EventStoreError('invalid_event', 'invalid snapshot');
        const stream = `${SNAPSHOT_PREFIX}${s.streamId}`;
        const current = await readSnapshot(s.streamId);
        if (current && current.version > s.version) return; // not atomic: a racing save may still win
        if (!current) await client.setStreamMetadata(stream, { maxCount: 1 });
        const snap = { streamId: s.streamId, version: s.version, schemaVersion: s.schemaVersion, state: JSON.parse(canonicalJson(s.state ?? null)) as unknown };
        await client.appendToStream(stream, jsonEvent({ type: 'Snapshot', data: snap as never }));
      }),
    loadSnapshot: (streamId) => wrap(() => readSnapshot(streamId)),
    close: async () => {
      await client.dispose();
    },
  };

  async function readSnapshot(streamId: string): Promise<Snapshot | undefined> {
    const [last] = await collect(client.readStream(`${SNAPSHOT_PREFIX}${streamId}`, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    return last?.event?.data as Snapshot | undefined;
  }
};
