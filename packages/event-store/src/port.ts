/**
 * The event-store port: one interface, implemented by the PostgreSQL, PGlite, EventStoreDB
 * and in-memory adapters, and verified by one contract suite.
 */

/**
 * A position in the global order: an opaque token that compares with plain string
 * comparison in global order (adapters zero-pad their numbers). A checkpoint stores it whole.
 * `START` is before every event.
 */
export type Position = string;
export const START: Position = '';

/** Expected version of a stream for optimistic concurrency. Versions count from 1. */
export type ExpectedVersion = 'no_stream' | 'any' | 'stream_exists' | number;

/** Who and what caused an event; stored with every event. */
export type EventMetadata = {
  commandId: string;
  correlationId: string;
  causationId?: string | undefined;
  actor: { service: string; person?: string | undefined };
  /** Business time at which the fact happened (ISO 8601). */
  occurredAt: string;
};

/** An event to append. `id` defaults to one derived from the command id and the event's index. */
export type NewEvent = {
  id?: string;
  type: string;
  schemaVersion?: number;
  data: unknown;
  metadata: EventMetadata;
};

/** An event as stored and read back. */
export type RecordedEvent = {
  id: string;
  streamId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  position: Position;
  type: string;
  /** The schema version after upcasting (the one the reader understands). */
  schemaVersion: number;
  /** The schema version as stored, before upcasting. */
  storedSchemaVersion: number;
  data: unknown;
  metadata: EventMetadata & { recordedAt: string };
  /** sha-256 over the RFC 8785 canonical form of the stored event and `prevHash` (hex); empty when read with `chain: false` (see ReadAllOptions). */
  hash: string;
  /** The hash of the previous event in the same stream, or 64 zeros for the first; empty as `hash`. */
  prevHash: string;
};

/** What a command did, kept under its command id so that a retry gets the same answer. */
export type CommandOutcome = {
  commandId: string;
  /** sha-256 of the canonical request, to refuse the same id with another payload. */
  requestHash: string;
  /** The reply that was given (events' positions or the rejection), JSON. */
  reply: unknown;
  recordedAt: string;
};

export type Idempotency = {
  commandId: string;
  requestHash: string;
  /** The reply to keep; computed from the append result. */
  reply: (result: AppendResult) => unknown;
};

export type AppendOptions = {
  expectedVersion: ExpectedVersion;
  /** When given, the outcome is stored with the events, atomically where the store can. */
  idempotency?: Idempotency;
};

export type AppendResult = {
  streamId: string;
  /** The stream's version after the append. */
  nextVersion: number;
  /** Positions of the appended events, in order. */
  positions: Position[];
  events: RecordedEvent[];
};

/** `raw: true` skips upcasting (what an auditor verifying the hash chain needs). */
export type ReadStreamOptions = { fromVersion?: number; toVersion?: number; raw?: boolean };
/**
 * `limit` defaults to 1000; `raw: true` skips upcasting. `types`: return only events of these
 * types; the page still covers the next `limit` events of any type, so a reader that wants a
 * few types does not receive (or have parsed) the others, and a long run of other types still
 * moves it on by `limit` events a page. `metadata: false`: the reader does not need the
 * events' metadata beyond `recordedAt`, so a store may return `{ recordedAt }` only (the SQL
 * stores do, sending ~40 % fewer bytes per event; the others return it whole). `chain: false`:
 * the reader does not need the hash chain, so a store may return `hash` and `prevHash` as
 * empty strings (the SQL stores do: 128 of an event's ~600 bytes; the others return them).
 * Whoever verifies the chain (an auditor) reads with the default.
 */
export type ReadAllOptions = { after?: Position; limit?: number; raw?: boolean; types?: readonly string[]; metadata?: boolean; chain?: boolean };
export type ReadAllResult = {
  events: RecordedEvent[];
  /** The position to continue after: the last event the page covered (with `types`, possibly one of another type). */
  last: Position;
  /** How many events the page covered, returned or not: fewer than `limit` only at the end of what is visible. */
  scanned: number;
};

export type Subscription = {
  /** Resolves when the subscription has stopped after `stop()`; rejects with the error that stopped it otherwise. */
  done: Promise<void>;
  stop: () => Promise<void>;
};

export type SubscribeOptions = {
  from: Position;
  /** Called for each event in global order, one at a time; a throw stops the subscription. */
  onEvent: (event: RecordedEvent) => Promise<void> | void;
  batchSize?: number;
  /** Poll interval when idle (stores without push notifications). */
  pollMs?: number;
};

export type Snapshot = { streamId: string; version: number; schemaVersion: number; state: unknown };

/** What `loadStream` reads: the usable snapshot, the events after it, and a kept outcome when asked. */
export type LoadedStream = {
  /** The stream's snapshot when its schema version is the one asked for. */
  snapshot?: Snapshot | undefined;
  /** The events after the snapshot (all of them without one), upcast, in version order. */
  events: RecordedEvent[];
  /** The kept outcome of `commandId`, when one was asked for and exists. */
  outcome?: CommandOutcome | undefined;
};

/**
 * The event store.
 *
 * @example
 * const { nextVersion } = await store.append('Order-42', [event], { expectedVersion: 'no_stream' });
 */
export interface EventStore {
  readonly kind: 'postgres' | 'pglite' | 'eventstoredb' | 'memory';
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Appends many streams' events in one go (bulk loads); atomic where the store can be. */
  appendBatch?(batch: { streamId: string; events: NewEvent[]; expectedVersion: ExpectedVersion }[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Current version and last hash of a stream; version 0 when it has no events. */
  streamHead(streamId: string): Promise<{ version: number; hash: string }>;
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
  subscribe(options: SubscribeOptions): Subscription;
  /** The kept outcome of a command id, if any. */
  findOutcome(commandId: string): Promise<CommandOutcome | undefined>;
  /** Keeps the outcome of a command that appended nothing (a rejection). */
  saveOutcome(outcome: Omit<CommandOutcome, 'recordedAt'>): Promise<CommandOutcome>;
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  loadSnapshot(streamId: string): Promise<Snapshot | undefined>;
  /**
   * Optional: the snapshot (of `snapshotSchemaVersion`), the events after it and the kept outcome
   * of `commandId` in one read. Without it: `loadSnapshot`, `readStream` and `findOutcome`.
   */
  loadStream?(streamId: string, options: { snapshotSchemaVersion: number; commandId?: string }): Promise<LoadedStream>;
  close(): Promise<void>;
}
