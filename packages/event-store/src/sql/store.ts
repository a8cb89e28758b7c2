import { canonicalJson } from '../canonical-json.ts';
import { ConcurrencyError, EventStoreError } from '../errors.ts';
import { ZERO_HASH } from '../hash.ts';
import type {
  AppendResult,
  CommandOutcome,
  EventStore,
  ExpectedVersion,
  Idempotency,
  NewEvent,
  ReadAllOptions,
  ReadAllResult,
  RecordedEvent,
  Snapshot,
} from '../port.ts';
import { pollingSubscription } from '../subscription.ts';
import { noUpcasters, type Upcasters } from '../upcasting.ts';
import { checkExpectedVersion, checkOutcome, prepareEventsJson, recordedAtNow, typeFilter, metadataWanted, chainWanted, validateAppend, type PreparedEvent, type PreparedJson } from '../write-path.ts';
import type { SqlExecutor } from './executor.ts';
import { migrate, quoteSchema } from './migrations.ts';
import { isConnectionLoss, translateSqlError } from './translate.ts';

export type SqlEventStoreOptions = {
  /** Schema holding the store's tables; default `event_store`. */
  schema?: string;
  upcasters?: Upcasters;
  /** Source of `recordedAt` (tests); default the system clock. */
  clock?: () => Date;
  /**
   * Group commit of concurrent appends (default on). At most `maxInFlight` append calls run
   * at once (default 2 on PostgreSQL, 1 on PGlite's single connection); appends that arrive
   * meanwhile wait and go together in the next call, one transaction for up to `maxAppends`
   * appends to distinct streams (default 64) and `maxEvents` events (default 2,000). An
   * append alone is sent at once, as before. Each append still gets its own result: a stale
   * head guess or a kept outcome is reported for that append only, and a group that the
   * server refuses as a whole is retried one append at a time. `false` sends every append on
   * its own.
   */
  groupCommit?: false | { maxInFlight?: number; maxAppends?: number; maxEvents?: number };
};

/** The SQL event store: the port plus SQL-only maintenance. */
export type SqlEventStore = EventStore & {
  readonly schema: string;
  /** Deletes kept command outcomes recorded before `olderThan` (ISO); returns how many. */
  pruneOutcomes(olderThan: string): Promise<number>;
};

type Query = Pick<SqlExecutor, 'query'>['query'];
type EventRow = {
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  hash: string | null;
  prev_hash: string | null;
  seq: string;
  tx: string;
};

const pad = (n: string): string => n.padStart(20, '0');
/** `${transaction id}:${global seq}`, each zero-padded to 20 digits: ordered by string comparison. */
const positionOf = (tx: string, seq: string): string => `${pad(tx)}:${pad(seq)}`;
const parsePosition = (p: string): [string, string] => {
  if (p === '') return ['0', '0'];
  const m = /^(\d{20}):(\d{20})$/.exec(p);
  if (!m) throw new EventStoreError('invalid_event', `invalid position '${p}'`);
  return [BigInt(m[1]!).toString(), BigInt(m[2]!).toString()];
};

/**
 * JSON texts as one JSON array text: sent to a jsonb parameter and parsed once by the server,
 * where a text array would have every quote escaped by the driver and unescaped by the server.
 */
const jsonArray = (texts: readonly string[]): string => `[${texts.join(',')}]`;

/** An event row's columns but its position, as [expression over the events row, name]. */
const EVENT_COLUMNS: readonly (readonly [string, string])[] = [
  ['event_id::text', 'event_id'],
  ...['stream_id', 'stream_version', 'type', 'schema_version', 'data', 'metadata', 'hash', 'prev_hash'].map((c) => [c, c] as const),
];
/**
 * The select list of EVENT_COLUMNS: over `prefix` (a table alias and its dot), each NULL unless
 * `when` holds (see readAllOfTypes), with `metadata: false` the metadata column reduced to
 * its recordedAt and with `chain: false` the hash columns left out, NULL (see ReadAllOptions).
 */
const eventColumns = (o: { prefix?: string; when?: string; metadata?: boolean; chain?: boolean } = {}): string =>
  EVENT_COLUMNS.map(([expression, name]) => {
    const column = `${o.prefix ?? ''}${expression}`;
    if (o.chain === false && (name === 'hash' || name === 'prev_hash')) return `NULL::text AS ${name}`;
    const value = name === 'metadata' && o.metadata === false ? `jsonb_build_object('recordedAt', ${column}->'recordedAt')` : column;
    const selected = o.when === undefined ? value : `CASE WHEN ${o.when} THEN ${value} END`;
    return selected === name ? name : `${selected} AS ${name}`;
  }).join(', ');
const POSITION_COLUMNS = 'global_seq::text AS seq, transaction_id::text AS tx';
const COLUMNS = `${eventColumns()}, ${POSITION_COLUMNS}`;

const toRecorded = (r: EventRow): RecordedEvent => ({
  id: r.event_id,
  streamId: r.stream_id,
  streamVersion: Number(r.stream_version),
  position: positionOf(r.tx, r.seq),
  type: r.type,
  schemaVersion: Number(r.schema_version),
  storedSchemaVersion: Number(r.schema_version),
  data: r.data,
  metadata: r.metadata,
  // NULL when read with chain: false (see ReadAllOptions).
  hash: r.hash ?? '',
  prevHash: r.prev_hash ?? '',
});

/**
 * The one SQL adapter, shared by PostgreSQL and PGlite through a `SqlExecutor`. Migrates its
 * schema on creation. Appends take a per-stream transaction-level advisory lock BEFORE any
 * write, so a stream's events get increasing transaction ids and positions follow versions;
 * readAll/subscribe only return rows whose transaction id is below the oldest running
 * transaction that may write events (see `visibleBelow`), so no reader ever skips an event
 * that commits later with a lower position.
 *
 * @example
 * const store = await createSqlEventStore(pgliteExecutor(db), { schema: 'event_store' });
 */
export const createSqlEventStore = async (executor: SqlExecutor, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> => {
  const schemaName = options.schema ?? 'event_store';
  const s = quoteSchema(schemaName);
  const upcasters = options.upcasters ?? noUpcasters;
  const wrap = async <T,>(fn: () => Promise<T>, context: { streamId?: string; expected?: string | number } = {}): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw translateSqlError(e, context);
    }
  };
  await wrap(() => migrate(executor, schemaName));
  const wakers = new Set<() => void>();
  let closed = false;
  /** NOTIFY channel: subscribers in other processes wake at once instead of waiting for their poll. */
  const channel = `cs_es_${schemaName}`.slice(0, 63);
  /** Advisory-lock keys: one per stream, and the store-wide one every writer of events takes (shared; `appendBatch` exclusive). */
  const allLock = `cs-es:${schemaName}:all`;
  const streamLock = (streamId: string): string => `cs-es:${schemaName}:s:${streamId}`;
  let listening: Promise<(() => Promise<void>) | undefined> | undefined;
  const startListening = (): void => {
    if (listening || !executor.listen) return;
    listening = executor.listen(channel, () => {
      for (const w of wakers) w();
    }).catch(() => undefined); // without LISTEN, subscriptions still poll
  };
  const stopListening = async (): Promise<void> => {
    const l = listening;
    listening = undefined;
    const unlisten = await l;
    await unlisten?.().catch(() => undefined);
  };
  /**
   * NOTIFY after commit, throttled (the first at once, then at most one per NOTIFY_EVERY_MS,
   * never two in flight): a NOTIFY inside the append's transaction holds PostgreSQL's
   * cluster-wide notify lock through the commit's fsync, serialising every appending
   * transaction, and one per append costs a statement each. Only a wake-up hint: subscribers in
   * other processes still poll, so a lost one only delays them.
   */
  const NOTIFY_EVERY_MS = 5;
  let notifying: Promise<void> | undefined;
  let notifyTimer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  let notifyPending = false;
  let lastNotify = Number.NEGATIVE_INFINITY;
  const sendNotify = (): void => {
    notifyTimer = undefined;
    notifyPending = false;
    if (closed) return;
    lastNotify = performance.now();
    notifying = executor
      .query('SELECT pg_notify($1, $2)', [channel, '*'])
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        notifying = undefined;
        if (notifyPending) notifyOthers();
      });
  };
  const notifyOthers = (): void => {
    if (notifyTimer || notifying) {
      notifyPending = true;
      return;
    }
    // At the earliest after the current callbacks: the caller's reply (e.g. a command's, over
    // NATS) goes out before this statement's socket write.
    const wait = Math.max(0, lastNotify + NOTIFY_EVERY_MS - performance.now());
    notifyTimer = wait === 0 ? setImmediate(sendNotify) : setTimeout(sendNotify, wait);
    notifyTimer.unref?.();
  };
  const open = (): void => {
    if (closed) throw new EventStoreError('unavailable', 'the event store is closed');
  };
  const out = (e: RecordedEvent, raw?: boolean): RecordedEvent => (raw ? e : upcasters.apply(e));

  const insertEvents = async (q: Query, { events: prepared, data, metadata }: PreparedJson, recordedAt: string): Promise<RecordedEvent[]> => {
    // Typed arrays (unnest) for the scalar columns; data and metadata as one jsonb array each.
    const rows = await q<{ event_id: string; seq: string; tx: string }>(
      `INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
       SELECT u.i::uuid, u.s, u.v, u.t, u.sv, $7::jsonb->(u.n::int - 1), $8::jsonb->(u.n::int - 1), $1::timestamptz, u.h, u.p
       FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $9::text[], $10::text[]) WITH ORDINALITY AS u(i, s, v, t, sv, h, p, n)
       ORDER BY u.n
       RETURNING event_id::text AS event_id, global_seq::text AS seq, transaction_id::text AS tx`,
      [
        recordedAt,
        prepared.map((p) => p.id),
        prepared.map((p) => p.streamId),
        prepared.map((p) => p.streamVersion),
        prepared.map((p) => p.type),
        prepared.map((p) => p.storedSchemaVersion),
        jsonArray(data),
        jsonArray(metadata),
        prepared.map((p) => p.hash),
        prepared.map((p) => p.prevHash),
      ],
    );
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    return prepared.map((p) => {
      const r = byId.get(p.id);
      if (!r) throw new EventStoreError('internal', `event ${p.id} was not returned by the insert`);
      p.position = positionOf(r.tx, r.seq); // the prepared events are this call's own
      return p;
    });
  };

  const upsertHeads = async (q: Query, heads: { streamId: string; version: number; hash: string }[]): Promise<void> => {
    await q(
      `INSERT INTO ${s}.streams (stream_id, version, last_hash)
       SELECT e->>'s', (e->>'v')::int, e->>'h' FROM jsonb_array_elements($1::jsonb) AS x(e)
       ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash, updated_at = now()`,
      [JSON.stringify(heads.map((h) => ({ s: h.streamId, v: h.version, h: h.hash })))],
    );
  };

  const readHeads = async (q: Query, streamIds: string[]): Promise<Map<string, { version: number; hash: string }>> => {
    const rows = await q<{ stream_id: string; version: number; last_hash: string }>(
      `SELECT stream_id, version, last_hash FROM ${s}.streams WHERE stream_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(streamIds)],
    );
    return new Map(rows.map((r) => [r.stream_id, { version: Number(r.version), hash: r.last_hash }]));
  };

  /** The outcome kept under a command id, if any (on `q`: the store's connection or a transaction's). */
  const readOutcome = async (q: Query, commandId: string): Promise<CommandOutcome | undefined> => {
    const [r] = await q<{ request_hash: string; reply: unknown; recorded_at: string }>(
      `SELECT request_hash, reply, recorded_at FROM ${s}.command_outcomes WHERE command_id = $1`,
      [commandId],
    );
    return r && { commandId, requestHash: r.request_hash, reply: r.reply, recordedAt: r.recorded_at };
  };

  /** Claims the command id inside the transaction; a concurrent twin blocks here until we commit. */
  const claimOutcome = async (q: Query, commandId: string, requestHash: string, recordedAt: string, reply: unknown | null): Promise<void> => {
    const claimed = await q(
      `INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts) VALUES ($1, $2, $3::jsonb, $4::text, $4::text::timestamptz)
       ON CONFLICT (command_id) DO NOTHING RETURNING command_id`,
      [commandId, requestHash, reply === null ? null : canonicalJson(reply), recordedAt],
    );
    if (claimed.length > 0) return;
    const kept = await readOutcome(q, commandId);
    if (!kept) throw new EventStoreError('internal', `command ${commandId}: outcome vanished while claiming it`, true);
    checkOutcome(kept, commandId, requestHash);
  };

  /** The transactional path (one statement per step): kept for reply functions that do not treat positions as opaque strings. */
  const appendInTransaction = async (streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion, idempotency?: Idempotency): Promise<AppendResult> => {
    const result = await wrap(
      () =>
        executor.transaction(async (tx) => {
          // The lock comes before any write: the transaction id (and so the position) is taken under it.
          await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamLock(streamId)]);
          await tx.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [allLock]);
          const recordedAt = recordedAtNow(options.clock);
          if (idempotency) await claimOutcome(tx.query, idempotency.commandId, idempotency.requestHash, recordedAt, null);
          const head = (await readHeads(tx.query, [streamId])).get(streamId) ?? { version: 0, hash: ZERO_HASH };
          checkExpectedVersion(streamId, expectedVersion, head.version);
          const recorded = await insertEvents(tx.query, prepareEventsJson(streamId, events, head, recordedAt), recordedAt);
          const last = recorded[recorded.length - 1]!;
          await upsertHeads(tx.query, [{ streamId, version: last.streamVersion, hash: last.hash }]);
          await tx.query('SELECT pg_notify($1, $2)', [channel, streamId]);
          const appended: AppendResult = { streamId, nextVersion: last.streamVersion, positions: recorded.map((r) => r.position), events: recorded };
          if (idempotency)
            await tx.query(`UPDATE ${s}.command_outcomes SET reply = $2::jsonb WHERE command_id = $1`, [
              idempotency.commandId,
              canonicalJson(idempotency.reply(appended) ?? null),
            ]);
          return appended;
        }),
      { streamId, expected: expectedVersion },
    );
    for (const w of wakers) w();
    return result;
  };

  /**
   * Heads seen by this store object (reads and appends): the guess of the head an append
   * prepares its hash chain against. A (stream, version) pair never changes its hash, and the
   * server-side function checks the guess under the stream lock, so a stale entry only costs a retry.
   */
  const heads = new Map<string, { version: number; hash: string }>();
  const HEADS_KEPT = 10_000;
  const remember = (streamId: string, version: number, hash: string): void => {
    const known = heads.get(streamId);
    if (known && known.version > version) return;
    heads.delete(streamId);
    heads.set(streamId, { version, hash });
    if (heads.size > HEADS_KEPT) heads.delete(heads.keys().next().value!);
  };
  const satisfies = (expected: ExpectedVersion, version: number): boolean =>
    expected === 'any' || (expected === 'no_stream' && version === 0) || (expected === 'stream_exists' && version > 0) || expected === version;
  const initialGuess = (streamId: string, expected: ExpectedVersion): { version: number; hash: string } | undefined => {
    if (expected === 'no_stream' || expected === 0) return { version: 0, hash: ZERO_HASH };
    const known = heads.get(streamId);
    if (known && (typeof expected !== 'number' || known.version === expected)) return known;
    return undefined;
  };

  const TOKEN_A = (i: number): string => `@@cs-es-position-a-${i}@@`;
  const TOKEN_B = (i: number): string => `@@cs-es-position-b-${i}@@`;
  /**
   * The reply with placeholders for the positions the database assigns. Undefined when the reply
   * function does not treat positions as opaque strings (two token sets give inconsistent
   * replies): such appends take the transactional path.
   */
  const replyTemplate = (idempotency: Idempotency, streamId: string, prepared: PreparedEvent[]): string | undefined => {
    const withTokens = (token: (i: number) => string): AppendResult => {
      const recorded = prepared.map((p, i) => ({ ...p, position: token(i + 1) }));
      return { streamId, nextVersion: prepared[prepared.length - 1]!.streamVersion, positions: recorded.map((r) => r.position), events: recorded };
    };
    let a: string;
    let b: string;
    try {
      a = canonicalJson(idempotency.reply(withTokens(TOKEN_A)) ?? null);
      b = canonicalJson(idempotency.reply(withTokens(TOKEN_B)) ?? null);
    } catch {
      return undefined; // e.g. it parses positions; the transactional path calls it with the real ones
    }
    let swapped = a;
    for (let i = 1; i <= prepared.length; i++) swapped = swapped.split(TOKEN_A(i)).join(TOKEN_B(i));
    return swapped === b ? a : undefined;
  };

  type AppendCall =
    | { status: 'ok'; tx: string; seqs: string[] }
    | { status: 'kept'; requestHash: string; reply: unknown; recordedAt: string }
    | { status: 'vanished' }
    | { status: 'moved'; version: number; hash: string | null };
  const movedHead = (e: unknown): AppendCall | undefined => {
    const err = e as { code?: unknown; detail?: unknown };
    if (err?.code !== 'CS409' || typeof err.detail !== 'string') return undefined;
    const d = JSON.parse(err.detail) as { version: number; hash: string | null };
    return { status: 'moved', version: Number(d.version), hash: d.hash };
  };

  /** One append's arguments to `append_events` / `append_events_group`. */
  type AppendArgs = {
    streamId: string;
    headVersion: number;
    headHash: string;
    commandId: string | null;
    requestHash: string | null;
    reply: string | null;
    recordedAt: string;
    tokens: string[];
    ids: string[];
    types: string[];
    schemaVersions: number[];
    data: string[];
    metadata: string[];
    hashes: string[];
    prevHashes: string[];
  };
  /** A queued append: its arguments as built (not copied) and its promise's settlers. */
  type Queued = { args: AppendArgs; resolve: (r: AppendCall) => void; reject: (e: unknown) => void };

  /**
   * The outcome a concurrent append kept under `commandId` after this append looked for it
   * (SQLSTATE CS40D: that twin inserted it first, on another stream; this append rolled back).
   */
  const keptByTwin = async (commandId: string | null): Promise<AppendCall> => {
    const kept = commandId === null ? undefined : await readOutcome(executor.query.bind(executor), commandId);
    return kept ? { status: 'kept', requestHash: kept.requestHash, reply: kept.reply, recordedAt: kept.recordedAt } : { status: 'vanished' };
  };

  const callOne = async (a: AppendArgs): Promise<AppendCall> => {
    try {
      const [row] = await executor.query<{ r: AppendCall }>(
        `SELECT ${s}.append_events2($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12::text[], $13::text[], $14::int[], $15::jsonb, $16::jsonb, $17::text[], $18::text[]) AS r`,
        [
          a.streamId, streamLock(a.streamId), allLock, channel, a.headVersion, a.headHash,
          a.commandId, a.requestHash, a.reply, a.tokens, a.recordedAt, a.ids, a.types, a.schemaVersions, jsonArray(a.data), jsonArray(a.metadata), a.hashes, a.prevHashes,
        ],
        { prepare: true },
      );
      return row!.r;
    } catch (e) {
      const moved = movedHead(e);
      if (moved) return moved;
      if ((e as { code?: unknown })?.code === 'CS40D') return keptByTwin(a.commandId);
      throw e;
    }
  };

  const flat = <K extends keyof AppendArgs>(group: AppendArgs[], k: K): unknown[] => group.flatMap((a) => a[k] as unknown[]);
  const callGroup = async (group: AppendArgs[]): Promise<AppendCall[]> => {
    const [row] = await executor.query<{ r: AppendCall[] }>(
      `SELECT ${s}.append_events_group2($1::text[], $2::text[], $3, $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[],
         $11::text[], $12::text[], $13::text[], $14::int[], $15::jsonb, $16::jsonb, $17::text[], $18::text[]) AS r`,
      [
        group.map((a) => a.streamId),
        group.map((a) => streamLock(a.streamId)),
        allLock,
        group.map((a) => a.headVersion),
        group.map((a) => a.headHash),
        group.map((a) => a.commandId),
        group.map((a) => a.requestHash),
        group.map((a) => a.reply),
        group.map((a) => a.recordedAt),
        group.map((a) => a.ids.length),
        flat(group, 'tokens'),
        flat(group, 'ids'),
        flat(group, 'types'),
        flat(group, 'schemaVersions'),
        jsonArray(flat(group, 'data') as string[]),
        jsonArray(flat(group, 'metadata') as string[]),
        flat(group, 'hashes'),
        flat(group, 'prevHashes'),
      ],
      { prepare: true },
    );
    const results = row?.r;
    if (!Array.isArray(results) || results.length !== group.length) throw new EventStoreError('internal', 'append_events_group returned no result per append');
    return results;
  };
  /** A server error raised while executing (the whole transaction rolled back), not a lost connection: each append can be retried alone. */
  const rolledBack = (e: unknown): boolean => {
    const code = (e as { code?: unknown })?.code;
    return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !isConnectionLoss(code);
  };

  const group = options.groupCommit === false ? undefined : options.groupCommit ?? {};
  const maxInFlight = Math.max(1, group?.maxInFlight ?? (executor.dialect === 'pglite' ? 1 : 2));
  const maxAppends = Math.max(1, group?.maxAppends ?? 64);
  const maxEvents = Math.max(1, group?.maxEvents ?? 2000);
  const queue: Queued[] = [];
  let running = 0;
  /** `close()` waits here for the appends it accepted before closing. */
  const drainWaiters: (() => void)[] = [];
  /** Takes the next group off the queue: in arrival order, one append per stream, within the limits. */
  const takeGroup = (): Queued[] => {
    const taken: Queued[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let i = 0; i < queue.length && taken.length < maxAppends; ) {
      const q = queue[i]!;
      if (streams.has(q.args.streamId) || (taken.length > 0 && events + q.args.ids.length > maxEvents)) {
        i++;
        continue;
      }
      streams.add(q.args.streamId);
      events += q.args.ids.length;
      taken.push(q);
      queue.splice(i, 1);
    }
    return taken;
  };
  const runGroup = async (taken: Queued[]): Promise<void> => {
    if (taken.length === 1) {
      const [q] = taken as [Queued];
      await callOne(q.args).then(q.resolve, q.reject);
      return;
    }
    try {
      const results = await callGroup(taken.map((q) => q.args));
      taken.forEach((q, i) => q.resolve(results[i]!));
    } catch (e) {
      if (!rolledBack(e)) {
        for (const q of taken) q.reject(e);
        return;
      }
      // e.g. one append reuses an event id: the others must not fail with it.
      await Promise.all(taken.map((q) => callOne(q.args).then(q.resolve, q.reject)));
    }
  };
  const pump = (): void => {
    while (running < maxInFlight && queue.length > 0) {
      running++;
      void runGroup(takeGroup()).finally(() => {
        running--;
        pump();
        if (running === 0 && queue.length === 0) for (const w of drainWaiters.splice(0)) w();
      });
    }
  };
  const submit = (a: AppendArgs): Promise<AppendCall> => {
    if (!group) return callOne(a);
    return new Promise<AppendCall>((resolve, reject) => {
      queue.push({ args: a, resolve, reject });
      pump();
    });
  };

  /**
   * One round trip per append (two when the head is not known): `append_events` takes the
   * locks, looks for a kept outcome, moves the head only if it is the one the hash chain was
   * prepared against, inserts, and keeps the outcome with its reply, all in the statement's own
   * transaction. Under load,
   * appends that wait for a free call go together through `append_events_group` (see
   * `groupCommit`); the store notifies other processes after commit.
   */
  const append = async (streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion, idempotency?: Idempotency): Promise<AppendResult> => {
    open();
    validateAppend(streamId, events, expectedVersion);
    if (idempotency && (typeof idempotency.commandId !== 'string' || !idempotency.commandId || typeof idempotency.requestHash !== 'string' || !idempotency.requestHash))
      throw new EventStoreError('invalid_event', 'idempotency needs a commandId and a requestHash');
    let guess = initialGuess(streamId, expectedVersion);
    for (let attempt = 1; ; attempt++) {
      if (!guess) {
        guess = (await wrap(() => readHeads(executor.query.bind(executor), [streamId]))).get(streamId) ?? { version: 0, hash: ZERO_HASH };
        remember(streamId, guess.version, guess.hash);
      }
      // A head that does not satisfy the expected version is sent as impossible (-1): the call
      // still claims the outcome first (a duplicate wins over a conflict), then reports the head.
      const usable = satisfies(expectedVersion, guess.version);
      const recordedAt = recordedAtNow(options.clock);
      const json = prepareEventsJson(streamId, events, guess, recordedAt);
      const prepared = json.events;
      const template = idempotency ? replyTemplate(idempotency, streamId, prepared) : undefined;
      if (idempotency && template === undefined) {
        const r = await appendInTransaction(streamId, events, expectedVersion, idempotency);
        remember(streamId, r.nextVersion, r.events[r.events.length - 1]!.hash);
        return r;
      }
      let call: AppendCall;
      try {
        call = await submit({
          streamId,
          headVersion: usable ? guess.version : -1,
          headHash: guess.hash,
          commandId: idempotency?.commandId ?? null,
          requestHash: idempotency?.requestHash ?? null,
          reply: template ?? null,
          recordedAt,
          tokens: prepared.map((_, i) => TOKEN_A(i + 1)),
          ids: prepared.map((p) => p.id),
          types: prepared.map((p) => p.type),
          schemaVersions: prepared.map((p) => p.storedSchemaVersion),
          data: json.data,
          metadata: json.metadata,
          hashes: prepared.map((p) => p.hash),
          prevHashes: prepared.map((p) => p.prevHash),
        });
      } catch (e) {
        throw translateSqlError(e, { streamId, expected: expectedVersion });
      }
      if (call.status === 'moved') {
        const actual = { version: call.version, hash: call.hash ?? ZERO_HASH };
        remember(streamId, actual.version, actual.hash);
        checkExpectedVersion(streamId, expectedVersion, actual.version);
        if (attempt >= 50) throw new ConcurrencyError(streamId, expectedVersion, actual.version);
        guess = actual;
        continue;
      }
      if (call.status === 'vanished') throw new EventStoreError('internal', `command ${idempotency?.commandId}: outcome vanished while claiming it`, true);
      if (call.status === 'kept') {
        checkOutcome({ commandId: idempotency!.commandId, requestHash: call.requestHash, reply: call.reply, recordedAt: call.recordedAt }, idempotency!.commandId, idempotency!.requestHash);
        throw new EventStoreError('internal', 'kept outcome was not reported', false);
      }
      // The prepared events are this call's own: their positions are set in place.
      const recorded: RecordedEvent[] = prepared;
      for (let i = 0; i < recorded.length; i++) recorded[i]!.position = positionOf(call.tx, call.seqs[i]!);
      const last = recorded[recorded.length - 1]!;
      remember(streamId, last.streamVersion, last.hash);
      notifyOthers();
      for (const w of wakers) w();
      return { streamId, nextVersion: last.streamVersion, positions: recorded.map((r) => r.position), events: recorded };
    }
  };

  /**
   * The transaction id below which every event is either visible to the reading statement or
   * will never exist: a reader that has passed a position never sees an event commit behind it.
   * PGlite (one connection, no overlapping transactions): the snapshot's xmin. PostgreSQL: the
   * oldest transaction that was running at the statement's snapshot and may be writing events.
   * `pg_snapshot_xmin` alone would let any long transaction anywhere in the cluster (another
   * database, a report, a migration) stall every reader; instead a running transaction that
   * holds an id but not the store-wide lock is left out, because every writer of events takes
   * that lock (shared by appends, exclusive by batches) before its first write, so before it has
   * an id, and holds it to the end.
   *
   * pg_locks is read by a statement of its own, BEFORE the reading statement takes its snapshot
   * (`nonWriters`, passed in as `$param`): a transaction that then held an id (its own granted
   * transaction-id lock) and no store lock, granted or awaited, can never write an event. Every
   * other transaction running at the snapshot is waited for; one that got its id after the lock
   * read has a higher id than every event committed before the read began, so a committed
   * append is always visible to the next read. (Read in the same statement, after its snapshot,
   * a transaction of any database that ended in between had no lock row and had to be waited
   * for: ~0.2 % of reads right after an append saw nothing while other databases committed
   * small transactions. A waiter's row for another's id, not granted, never speaks for it.)
   */
  const visibleBelow = (param: string): string =>
    executor.dialect === 'pglite'
      ? 'pg_snapshot_xmin(pg_current_snapshot())'
      : `(WITH sn AS (SELECT pg_current_snapshot() AS s)
          SELECT COALESCE((SELECT min(x) FROM pg_snapshot_xip(sn.s) AS x WHERE NOT (x::xid = ANY(${param}::xid[]))), pg_snapshot_xmax(sn.s)) FROM sn)`;
  /** The parameter `visibleBelow` takes, as the reading statement's last: the transactions that held an id and no store lock at this read; none on PGlite. */
  const nonWriters = async (): Promise<[string[]] | []> => {
    if (executor.dialect === 'pglite') return [];
    const [row] = await executor.query<{ ids: string[] }>(
      `WITH lk AS MATERIALIZED (SELECT locktype, transactionid, virtualtransaction, granted, classid, objid, objsubid FROM pg_locks
                                WHERE locktype IN ('transactionid', 'advisory')),
            k AS (SELECT hashtextextended($1, 0) AS v)
       SELECT COALESCE(array_agg(t.transactionid::text), '{}') AS ids FROM lk t
       WHERE t.locktype = 'transactionid' AND t.granted
         AND NOT EXISTS (SELECT 1 FROM lk a, k WHERE a.locktype = 'advisory' AND a.virtualtransaction = t.virtualtransaction
                           AND a.classid = ((k.v >> 32) & 4294967295)::oid AND a.objid = (k.v & 4294967295)::oid AND a.objsubid = 1)`,
      [allLock],
      { prepare: true },
    );
    return [row?.ids ?? []];
  };
  const readAll = async (o: ReadAllOptions = {}): Promise<ReadAllResult> => {
    open();
    const after = o.after ?? '';
    const [tx, seq] = parsePosition(after);
    const limit = o.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1) throw new EventStoreError('invalid_event', `invalid limit ${String(limit)}`);
    const types = typeFilter(o.types);
    const metadata = metadataWanted(o.metadata);
    const chain = chainWanted(o.chain);
    if (types) return readAllOfTypes(tx, seq, limit, [...types], after, { metadata, chain }, o.raw);
    const rows = await wrap(async () =>
      executor.query<EventRow>(
        `SELECT ${eventColumns({ metadata, chain })}, ${POSITION_COLUMNS} FROM ${s}.events
         WHERE (transaction_id, global_seq) > ($1::text::xid8, $2::bigint)
           AND transaction_id < ${visibleBelow('$4')}
         ORDER BY transaction_id, global_seq LIMIT $3`,
        [tx, seq, limit, ...(await nonWriters())],
        { prepare: true },
      ),
    );
    const events = rows.map((r) => out(toRecorded(r), o.raw));
    return { events, last: events[events.length - 1]?.position ?? after, scanned: events.length };
  };
  /**
   * `readAll` with `types`: the same window of `limit` visible events, read in one index scan
   * in position order; a row of another type comes back with its position only (every other
   * column NULL, so its payload is neither sent nor parsed). The window's size and last
   * position are those of all its rows. (A materialized window of whole rows, filtered
   * afterwards, spilled to temporary files past work_mem and cost ~2x the PostgreSQL time.)
   */
  const readAllOfTypes = async (tx: string, seq: string, limit: number, types: string[], after: string, wanted: { metadata: boolean; chain: boolean }, raw?: boolean): Promise<ReadAllResult> => {
    const rows = await wrap(async () =>
      executor.query<EventRow & { m: boolean }>(
        `SELECT w.m, w.global_seq::text AS seq, w.transaction_id::text AS tx, ${eventColumns({ prefix: 'w.', when: 'w.m', ...wanted })}
         FROM (SELECT *, type = ANY($4::text[]) AS m FROM ${s}.events
               WHERE (transaction_id, global_seq) > ($1::text::xid8, $2::bigint)
                 AND transaction_id < ${visibleBelow('$5')}
               ORDER BY transaction_id, global_seq LIMIT $3) AS w`,
        [tx, seq, limit, types, ...(await nonWriters())],
        { prepare: true },
      ),
    );
    const tail = rows[rows.length - 1];
    if (!tail) return { events: [], last: after, scanned: 0 };
    const events: RecordedEvent[] = [];
    for (const r of rows) if (r.m) events.push(out(toRecorded(r), raw));
    return { events, last: positionOf(tail.tx, tail.seq), scanned: rows.length };
  };

  return {
    kind: executor.dialect,
    schema: schemaName,
    append: (streamId, events, o) => append(streamId, events, o?.expectedVersion, o?.idempotency),
    appendBatch: async (batch) => {
      open();
      if (!Array.isArray(batch) || batch.length === 0) throw new EventStoreError('invalid_event', 'batch must be a non-empty array');
      for (const b of batch) validateAppend(b.streamId, b.events, b.expectedVersion);
      const results = await wrap(() =>
        executor.transaction(async (tx) => {
          // Bulk loads take the store-wide lock exclusively instead of one lock per stream.
          await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [allLock]);
          const heads = await readHeads(tx.query, [...new Set(batch.map((b) => b.streamId))]);
          const recordedAt = recordedAtNow(options.clock);
          const all: PreparedJson = { events: [], data: [], metadata: [] };
          const prepared: PreparedEvent[][] = batch.map((b) => {
            const head = heads.get(b.streamId) ?? { version: 0, hash: ZERO_HASH };
            checkExpectedVersion(b.streamId, b.expectedVersion, head.version);
            const j = prepareEventsJson(b.streamId, b.events, head, recordedAt);
            const p = j.events;
            for (let i = 0; i < p.length; i++) {
              all.events.push(p[i]!);
              all.data.push(j.data[i]!);
              all.metadata.push(j.metadata[i]!);
            }
            const last = p[p.length - 1]!;
            heads.set(b.streamId, { version: last.streamVersion, hash: last.hash });
            return p;
          });
          const recorded = await insertEvents(tx.query, all, recordedAt);
          await upsertHeads(tx.query, [...heads].map(([streamId, h]) => ({ streamId, ...h })));
          await tx.query('SELECT pg_notify($1, $2)', [channel, '*']);
          let i = 0;
          return prepared.map((p, k): AppendResult => {
            const mine = recorded.slice(i, i + p.length);
            i += p.length;
            return { streamId: batch[k]!.streamId, nextVersion: mine[mine.length - 1]!.streamVersion, positions: mine.map((r) => r.position), events: mine };
          });
        }),
      );
      for (const r of results) remember(r.streamId, r.nextVersion, r.events[r.events.length - 1]!.hash);
      for (const w of wakers) w();
      return results;
    },
    readStream: async (streamId, o = {}) => {
      open();
      if (typeof streamId !== 'string') throw new EventStoreError('invalid_event', 'streamId must be a string');
      const rows = await wrap(() =>
        executor.query<EventRow>(
          `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND stream_version >= $2 AND stream_version <= $3 ORDER BY stream_version`,
          [streamId, o.fromVersion ?? 1, Math.min(o.toVersion ?? 2_147_483_647, 2_147_483_647)],
        ),
      );
      const last = rows[rows.length - 1];
      if (last) remember(streamId, Number(last.stream_version), last.hash!); // COLUMNS: with the hashes
      return rows.map((r) => out(toRecorded(r), o.raw));
    },
    loadStream: async (streamId, o) => {
      open();
      if (typeof streamId !== 'string') throw new EventStoreError('invalid_event', 'streamId must be a string');
      if (!Number.isInteger(o?.snapshotSchemaVersion)) throw new EventStoreError('invalid_event', 'snapshotSchemaVersion must be an integer');
      // k = 0: the snapshot (version in stream_version, state in data); 1: the kept outcome
      // (command id, request hash, recorded at, reply in data); 2: the events after the snapshot.
      const rows = await wrap(() =>
        executor.query<EventRow & { k: number }>(
          `WITH sn AS (SELECT version, schema_version, state FROM ${s}.snapshots WHERE stream_id = $1 AND schema_version = $2)
           SELECT 0 AS k, NULL::text AS event_id, NULL::text AS stream_id, version AS stream_version, NULL::text AS type, schema_version, state AS data,
                  NULL::jsonb AS metadata, NULL::text AS hash, NULL::text AS prev_hash, NULL::text AS seq, NULL::text AS tx FROM sn
           UNION ALL
           SELECT 1, command_id, request_hash, NULL, recorded_at, NULL, reply, NULL, NULL, NULL, NULL, NULL FROM ${s}.command_outcomes WHERE command_id = $3
           UNION ALL
           SELECT 2, ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND stream_version > COALESCE((SELECT version FROM sn), 0)
           ORDER BY k, stream_version`,
          [streamId, o.snapshotSchemaVersion, o.commandId ?? null],
        ),
      );
      let snapshot: Snapshot | undefined;
      let outcome: CommandOutcome | undefined;
      const events: RecordedEvent[] = [];
      for (const r of rows) {
        if (Number(r.k) === 0) snapshot = { streamId, version: Number(r.stream_version), schemaVersion: Number(r.schema_version), state: r.data };
        else if (Number(r.k) === 1) outcome = { commandId: r.event_id, requestHash: r.stream_id, reply: r.data, recordedAt: r.type };
        else events.push(out(toRecorded(r)));
      }
      const last = rows[rows.length - 1];
      if (last && Number(last.k) === 2) remember(streamId, Number(last.stream_version), last.hash!); // an event row: with its hashes
      return { snapshot, events, outcome };
    },
    streamHead: async (streamId) => {
      open();
      const head = (await wrap(() => readHeads(executor.query.bind(executor), [streamId]))).get(streamId);
      return head ?? { version: 0, hash: ZERO_HASH };
    },
    readAll,
    subscribe: (o) =>
      pollingSubscription(readAll, o, {
        onWake: (wake) => {
          wakers.add(wake);
          startListening();
          return () => {
            wakers.delete(wake);
            if (wakers.size === 0) void stopListening();
          };
        },
      }),
    findOutcome: async (commandId) => {
      open();
      return wrap(() => readOutcome(executor.query.bind(executor), commandId));
    },
    saveOutcome: async (o) => {
      open();
      if (typeof o?.commandId !== 'string' || !o.commandId || typeof o.requestHash !== 'string' || !o.requestHash)
        throw new EventStoreError('invalid_event', 'an outcome needs a commandId and a requestHash');
      const recordedAt = recordedAtNow(options.clock);
      const reply = JSON.parse(canonicalJson(o.reply ?? null)) as unknown;
      await wrap(() => claimOutcome(executor.query.bind(executor), o.commandId, o.requestHash, recordedAt, reply));
      return { commandId: o.commandId, requestHash: o.requestHash, reply, recordedAt } satisfies CommandOutcome;
    },
    saveSnapshot: async (snap: Snapshot) => {
      open();
      if (typeof snap?.streamId !== 'string' || !Number.isInteger(snap.version) || snap.version < 0 || !Number.isInteger(snap.schemaVersion))
        throw new EventStoreError('invalid_event', 'invalid snapshot');
      await wrap(() =>
        executor.query(
          `INSERT INTO ${s}.snapshots (stream_id, version, schema_version, state) VALUES ($1, $2, $3, $4::jsonb)
           ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, schema_version = excluded.schema_version, state = excluded.state, saved_at = now()
           WHERE ${s}.snapshots.version <= excluded.version`,
          [snap.streamId, snap.version, snap.schemaVersion, canonicalJson(snap.state ?? null)],
        ),
      );
    },
    loadSnapshot: async (streamId) => {
      open();
      const [r] = await wrap(() =>
        executor.query<{ version: number; schema_version: number; state: unknown }>(
          `SELECT version, schema_version, state FROM ${s}.snapshots WHERE stream_id = $1`,
          [streamId],
        ),
      );
      return r && { streamId, version: Number(r.version), schemaVersion: Number(r.schema_version), state: r.state };
    },
    pruneOutcomes: async (olderThan) => {
      open();
      if (typeof olderThan !== 'string' || Number.isNaN(Date.parse(olderThan))) throw new EventStoreError('invalid_event', 'olderThan must be an ISO date-time');
      const rows = await wrap(() => executor.query(`DELETE FROM ${s}.command_outcomes WHERE recorded_ts < $1::timestamptz RETURNING 1`, [olderThan]));
      return rows.length;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (running > 0 || queue.length > 0) await new Promise<void>((r) => drainWaiters.push(r));
      for (const w of wakers) w();
      if (notifyTimer) {
        clearTimeout(notifyTimer as ReturnType<typeof setTimeout>);
        clearImmediate(notifyTimer as ReturnType<typeof setImmediate>);
      }
      await notifying;
      await stopListening();
      await executor.close();
    },
  };
};
