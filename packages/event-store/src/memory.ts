import { EventStoreError } from './errors.ts';
import { ZERO_HASH } from './hash.ts';
import type { AppendOptions, AppendResult, CommandOutcome, EventStore, ExpectedVersion, NewEvent, ReadAllOptions, ReadAllResult, RecordedEvent, Snapshot } from './port.ts';
import { pollingSubscription } from './subscription.ts';
import { noUpcasters, type Upcasters } from './upcasting.ts';
import { checkExpectedVersion, checkOutcome, prepareEvents, recordedAtNow, typeFilter, metadataWanted, chainWanted, validateAppend } from './write-path.ts';
import { canonicalJson } from './canonical-json.ts';

export type InMemoryEventStoreOptions = { upcasters?: Upcasters; clock?: () => Date };

const positionOf = (seq: number): string => String(seq).padStart(20, '0');
// Events are plain JSON: a JSON round trip copies them several times faster than structuredClone.
const clone = <T,>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const validateOutcome = (o: { commandId: unknown; requestHash: unknown }): void => {
  if (typeof o.commandId !== 'string' || o.commandId.length === 0) throw new EventStoreError('invalid_event', 'commandId must be a non-empty string');
  if (typeof o.requestHash !== 'string' || o.requestHash.length === 0) throw new EventStoreError('invalid_event', 'requestHash must be a non-empty string');
};

/**
 * The in-memory event store: the same port and the same contract as the SQL and EventStoreDB
 * adapters, for unit tests and local runs. Data lives in the process only.
 *
 * @example
 * const store = createInMemoryEventStore();
 * await store.append('Order-1', [event], { expectedVersion: 'no_stream' });
 */
export const createInMemoryEventStore = (options: InMemoryEventStoreOptions = {}): EventStore => {
  const upcasters = options.upcasters ?? noUpcasters;
  const streams = new Map<string, RecordedEvent[]>();
  const all: RecordedEvent[] = [];
  const ids = new Set<string>();
  const outcomes = new Map<string, CommandOutcome>();
  const snapshots = new Map<string, Snapshot>();
  const wakers = new Set<() => void>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new EventStoreError('unavailable', 'the in-memory store is closed', false);
  };
  const out = (e: RecordedEvent, raw?: boolean): RecordedEvent => {
    const copy = clone(e);
    return raw ? copy : upcasters.apply(copy);
  };

  const appendSync = (streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion, idempotency: AppendOptions['idempotency']): AppendResult => {
    validateAppend(streamId, events, expectedVersion);
    if (idempotency) {
      validateOutcome(idempotency);
      checkOutcome(outcomes.get(idempotency.commandId), idempotency.commandId, idempotency.requestHash);
    }
    const current = streams.get(streamId) ?? [];
    const last = current[current.length - 1];
    checkExpectedVersion(streamId, expectedVersion, current.length);
    const recordedAt = recordedAtNow(options.clock);
    const prepared = prepareEvents(streamId, events, { version: current.length, hash: last?.hash ?? ZERO_HASH }, recordedAt);
    for (const p of prepared) if (ids.has(p.id)) throw new EventStoreError('invalid_event', `event id ${p.id} already exists`);
    const recorded = prepared.map((p, i) => ({ ...p, position: positionOf(all.length + i + 1) }));
    const result: AppendResult = { streamId, nextVersion: current.length + recorded.length, positions: recorded.map((r) => r.position), events: recorded.map((r) => clone(r)) };
    let outcome: CommandOutcome | undefined;
    if (idempotency) {
      const reply = JSON.parse(canonicalJson(idempotency.reply(result) ?? null)) as unknown;
      outcome = { commandId: idempotency.commandId, requestHash: idempotency.requestHash, reply, recordedAt };
    }
    // Everything above may throw; from here on nothing does, so the append is all-or-nothing.
    streams.set(streamId, [...current, ...recorded]);
    for (const r of recorded) {
      all.push(r);
      ids.add(r.id);
    }
    if (outcome) outcomes.set(outcome.commandId, outcome);
    return result;
  };

  const readAll = async (o: ReadAllOptions = {}): Promise<ReadAllResult> => {
    open();
    const after = o.after ?? '';
    const limit = o.limit ?? 1000;
    const start = after === '' ? 0 : Number(after);
    if (!Number.isInteger(start) || start < 0) throw new EventStoreError('invalid_event', `invalid position '${after}'`);
    const types = typeFilter(o.types);
    metadataWanted(o.metadata); // checked; this store returns the metadata whole
    chainWanted(o.chain); // and the hashes
    const page = all.slice(start, start + limit);
    const events = (types ? page.filter((e) => types.has(e.type)) : page).map((e) => out(e, o.raw));
    return { events, last: page[page.length - 1]?.position ?? after, scanned: page.length };
  };

  return {
    kind: 'memory',
    append: async (streamId, events, appendOptions) => {
      open();
      const result = appendSync(streamId, events, appendOptions?.expectedVersion, appendOptions?.idempotency);
      for (const w of wakers) w();
      return result;
    },
    appendBatch: async (batch) => {
      open();
      // All-or-nothing: check every stream first against a trial copy of the heads.
      const heads = new Map<string, number>();
      for (const b of batch) {
        validateAppend(b.streamId, b.events, b.expectedVersion);
        const version = heads.get(b.streamId) ?? streams.get(b.streamId)?.length ?? 0;
        checkExpectedVersion(b.streamId, b.expectedVersion, version);
        heads.set(b.streamId, version + b.events.length);
      }
      const snapshotAll = all.length;
      const snapshotStreams = new Map(batch.map((b) => [b.streamId, streams.get(b.streamId)]));
      try {
        const results = batch.map((b) => appendSync(b.streamId, b.events, b.expectedVersion, undefined));
        for (const w of wakers) w();
        return results;
      } catch (e) {
        for (const e of all.splice(snapshotAll)) ids.delete(e.id);
        for (const [id, s] of snapshotStreams) (s ? streams.set(id, s) : streams.delete(id));
        throw e;
      }
    },
    readStream: async (streamId, o = {}) => {
      open();
      const from = o.fromVersion ?? 1;
      const to = o.toVersion ?? Number.MAX_SAFE_INTEGER;
      return (streams.get(streamId) ?? []).filter((e) => e.streamVersion >= from && e.streamVersion <= to).map((e) => out(e, o.raw));
    },
    streamHead: async (streamId) => {
      open();
      const s = streams.get(streamId) ?? [];
      return { version: s.length, hash: s[s.length - 1]?.hash ?? ZERO_HASH };
    },
    readAll,
    subscribe: (o) =>
      pollingSubscription(readAll, o, {
        onWake: (wake) => {
          wakers.add(wake);
          return () => wakers.delete(wake);
        },
      }),
    findOutcome: async (commandId) => {
      open();
      const o = outcomes.get(commandId);
      return o && clone(o);
    },
    saveOutcome: async (o) => {
      open();
      validateOutcome(o);
      checkOutcome(outcomes.get(o.commandId), o.commandId, o.requestHash);
      const kept: CommandOutcome = { commandId: o.commandId, requestHash: o.requestHash, reply: JSON.parse(canonicalJson(o.reply ?? null)) as unknown, recordedAt: recordedAtNow(options.clock) };
      outcomes.set(o.commandId, kept);
      return clone(kept);
    },
    saveSnapshot: async (s) => {
      open();
      if (typeof s.streamId !== 'string' || !Number.isInteger(s.version) || s.version < 0) throw new EventStoreError('invalid_event', 'invalid snapshot');
      const kept = snapshots.get(s.streamId);
      if (kept && kept.version > s.version) return; // an older snapshot never replaces a newer one
      snapshots.set(s.streamId, { streamId: s.streamId, version: s.version, schemaVersion: s.schemaVersion, state: JSON.parse(canonicalJson(s.state ?? null)) as unknown });
    },
    loadSnapshot: async (streamId) => {
      open();
      const s = snapshots.get(streamId);
      return s && clone(s);
    },
    close: async () => {
      closed = true;
      for (const w of wakers) w();
    },
  };
};
