import {
  isDomainError,
  streamName,
  type AggregateDefinition,
  type CommandDefinition,
  type DomainCommand,
  type DomainEvent,
} from '@cs/domain';
import {
  canonicalJson,
  ConcurrencyError,
  DuplicateCommandError,
  EventStoreError,
  IdempotencyKeyReusedError,
  loadStream,
  sha256Hex,
  type AppendResult,
  type CommandOutcome,
  type EventMetadata,
  type EventStore,
} from '@cs/event-store';
import { createKeyedLock } from './keyed-lock.ts';
import { errorReply, type CommandReply, type FieldError } from './reply.ts';

/** A command as it reaches the write path, whatever carried it (NATS or in-process). */
export type CommandRequest = {
  /** The idempotency key: the same id always gets the same reply and one effect. */
  commandId: string;
  type: string;
  payload: unknown;
  /** The acting service, as the transport authenticated it; never taken from the payload. */
  service: string;
  /** The person acting, as declared by that service. */
  person?: string | undefined;
  correlationId?: string | undefined;
  causationId?: string | undefined;
};

export type Logger = {
  info: (obj: object, msg?: string) => void;
  warn: (obj: object, msg?: string) => void;
  error: (obj: object, msg?: string) => void;
};

// Aggregates of different command/event/state types live side by side in one catalogue.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAggregate = AggregateDefinition<any, any, any>;

export type CommandHandlerOptions = {
  store: EventStore;
  aggregates: readonly AnyAggregate[];
  /** The server clock (ms since epoch); business times may not be ahead of it beyond the skew. */
  now?: () => number;
  /** How far a business time may be ahead of the server clock (default 5 minutes). */
  maxFutureSkewMs?: number;
  /** Attempts on optimistic-concurrency conflicts before `conflict_exhausted` (default 25). */
  maxAttempts?: number;
  /** Take a snapshot when this many events were appended since the last one (default 100). */
  snapshotEvery?: number;
  /**
   * How many streams' latest state (as this handler last loaded or appended it) are kept, least
   * recently used first out (default 10,000; 0: none). A command on a kept stream is decided on
   * that state and appended with its version, without loading: the append's expected version
   * makes a stale state a conflict, which reloads. Rejections and no-ops are never answered
   * from a kept state: they are decided again on a fresh load.
   */
  stateCacheSize?: number;
  /**
   * Decide a command on a stream this handler keeps no state for as if the stream were new, and
   * append with `no_stream` (default true): creations (`order.place`, `customer.open`) skip the
   * load. An existing stream makes the append a conflict (one extra round trip), after which the
   * command is decided on a fresh load; a rejection on the empty state is decided again on one.
   */
  assumeNewStreams?: boolean;
  /** Called after every successful append (e.g. to anchor the stream head for auditors). */
  afterAppend?: (result: AppendResult) => Promise<void> | void;
  /** Cross-aggregate operations, by command type; they replace the plain path for that type. */
  processes?: Record<string, ProcessHandler>;
  log?: Logger;
};

/** The context a cross-aggregate process gets: the plain building blocks of the handler. */
export type ProcessContext = {
  request: CommandRequest;
  command: DomainCommand;
  requestHash: string;
  /** Loads a stream's state (snapshot + the events after it). */
  load: <S>(aggregate: AnyAggregate, id: string) => Promise<{ state: S; version: number }>;
  /**
   * Decides and appends one command on its stream, reloading on conflicts. With `final`, the
   * outcome is kept under the request's command id atomically with the events.
   */
  execute: (command: DomainCommand, options: { subId?: string; final?: boolean }) => Promise<StepResult>;
  /** Keeps `reply` as the request's outcome (when the final step appended nothing). */
  finish: (reply: CommandReply) => Promise<CommandReply>;
  aggregateOf: (commandType: string) => AnyAggregate;
  store: EventStore;
  /** Event metadata for an event this request causes directly (for internal streams). */
  metadata: () => EventMetadata;
};

export type StepResult =
  | { kind: 'appended'; result: AppendResult; reply: CommandReply }
  | { kind: 'unchanged'; streamId: string; version: number; reply: CommandReply }
  | { kind: 'rejected'; code: string; message: string; reply: CommandReply };

export type ProcessHandler = (ctx: ProcessContext) => Promise<CommandReply>;

const SNAPSHOT_SCHEMA = 1;

/** Error codes that say "try again", never the final answer to a command id. */
const transientCodes = new Set(['conflict_exhausted', 'unavailable', 'internal']);

const fieldErrors = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldError[] =>
  issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** U+0000 (PostgreSQL jsonb cannot hold it) or a lone UTF-16 surrogate (not Unicode text: canonical JSON refuses it). */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Field errors for strings no store can keep (in values and keys, at any depth): refused here as
 * `validation`, not left to the store (which would fail the append, an `internal` reply that a
 * retry can never fix) or to the request hash (which would throw).
 */
const unstorableStrings = (value: unknown, path: string, out: FieldError[] = []): FieldError[] => {
  if (out.length >= 20) return out;
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) out.push({ path, message: 'text may not contain U+0000 or a lone surrogate' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableStrings(v, path ? `${path}.${i}` : String(i), out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (UNSTORABLE.test(k)) out.push({ path: at, message: 'a key may not contain U+0000 or a lone surrogate' });
      unstorableStrings(v, at, out);
    }
  }
  return out;
};

/** A stream's state as of `version`, and the version of its latest snapshot. */
type StreamView = { state: unknown; version: number; snapshotVersion: number };

/** The latest known state per stream, least recently used first out; size 0 keeps nothing. */
const createStateCache = (size: number) => {
  const views = new Map<string, StreamView>();
  return {
    get: (streamId: string): StreamView | undefined => {
      const v = views.get(streamId);
      if (v) {
        views.delete(streamId);
        views.set(streamId, v);
      }
      return v;
    },
    /** Keeps `view` unless a later version is kept already (a load may finish after an append). */
    keep: (streamId: string, view: StreamView): void => {
      if (size <= 0) return;
      const known = views.get(streamId);
      if (known && known.version > view.version) return;
      views.delete(streamId);
      views.set(streamId, view);
      if (views.size > size) views.delete(views.keys().next().value!);
    },
    forget: (streamId: string): void => {
      views.delete(streamId);
    },
  };
};

/** Thrown inside `execute` when the load found the command's kept outcome: answered without deciding. */
class KeptOutcome extends Error {
  constructor(readonly outcome: CommandOutcome) {
    super('kept outcome');
  }
}

/**
 * The write path: validate -> load -> decide -> append with the expected version, with
 * idempotency per command id, bounded retries on conflicts, business-time checks and
 * snapshots.
 *
 * @example
 * const handler = createCommandHandler({ store, aggregates });
 * const reply = await handler.handle({ commandId, type: 'order.place', payload, service: 'order-desk' });
 */
export const createCommandHandler = (options: CommandHandlerOptions) => {
  const {
    store,
    now = Date.now,
    maxFutureSkewMs = 5 * 60_000,
    maxAttempts = 25,
    snapshotEvery = 100,
    stateCacheSize = 10_000,
    assumeNewStreams = true,
    afterAppend,
    processes = {},
    log,
  } = options;
  const catalogue = new Map<string, { aggregate: AnyAggregate; definition: CommandDefinition }>();
  for (const aggregate of options.aggregates) {
    for (const [type, definition] of Object.entries(aggregate.commands)) {
      catalogue.set(type, { aggregate, definition: definition as CommandDefinition });
    }
  }
  const lock = createKeyedLock();
  const states = createStateCache(stateCacheSize);

  const aggregateOf = (commandType: string): AnyAggregate => {
    const entry = catalogue.get(commandType);
    if (!entry) throw new Error(`no aggregate handles ${commandType}`);
    return entry.aggregate;
  };

  /** Snapshot + the events after it (one read on SQL stores); with `commandId`, also its kept outcome. */
  const load = async <S>(
    aggregate: AnyAggregate,
    streamId: string,
    commandId?: string,
  ): Promise<{ state: S; version: number; snapshotVersion: number; outcome?: CommandOutcome | undefined }> => {
    const { snapshot: usable, events, outcome } = await loadStream(store, streamId, { snapshotSchemaVersion: SNAPSHOT_SCHEMA, ...(commandId === undefined ? {} : { commandId }) });
    let state = (usable ? usable.state : aggregate.decider.initialState()) as S;
    for (const e of events) state = aggregate.decider.evolve(state, { type: e.type, data: e.data });
    const version = events.length > 0 ? events[events.length - 1]!.streamVersion : (usable?.version ?? 0);
    const snapshotVersion = usable?.version ?? 0;
    states.keep(streamId, { state, version, snapshotVersion });
    return { state, version, snapshotVersion, outcome };
  };

  const metadataFor = (request: CommandRequest, commandId: string, occurredAt: string): EventMetadata => ({
    commandId,
    correlationId: request.correlationId ?? request.commandId,
    causationId: request.causationId ?? (commandId === request.commandId ? undefined : request.commandId),
    actor: request.person ? { service: request.service, person: request.person } : { service: request.service },
    occurredAt,
  });

  const okReply = (commandId: string, result: AppendResult): CommandReply => ({
    ok: true,
    commandId,
    streamId: result.streamId,
    version: result.nextVersion,
    eventTypes: result.events.map((e) => e.type),
    positions: result.positions,
    duplicate: false,
  });

  /**
   * Keeps a reply that appended nothing; a concurrent twin's kept reply wins. Transient errors
   * (conflicts exhausted, store unavailable) are not kept: a retry with the same id must run again.
   */
  const keep = async (request: CommandRequest, requestHash: string, reply: CommandReply): Promise<CommandReply> => {
    if (!reply.ok && transientCodes.has(reply.error.code)) return reply;
    try {
      await store.saveOutcome({ commandId: request.commandId, requestHash, reply });
      return reply;
    } catch (e) {
      if (e instanceof DuplicateCommandError) return { ...(e.reply as CommandReply), duplicate: true };
      if (e instanceof IdempotencyKeyReusedError) return errorReply(request.commandId, 'idempotency_key_reused', e.message);
      throw e;
    }
  };

  const execute = async (
    request: CommandRequest,
    requestHash: string,
    command: DomainCommand,
    opts: { subId?: string; final?: boolean; checkOutcome?: boolean },
  ): Promise<StepResult> => {
    const entry = catalogue.get(command.type);
    if (!entry) throw new Error(`unknown command ${command.type}`);
    const { aggregate, definition } = entry;
    const streamId = streamName(aggregate.category, definition.aggregateId(command.data));
    const commandId = opts.subId ? `${request.commandId}/${opts.subId}` : request.commandId;
    const occurredAt = (command.data as { occurredAt: string }).occurredAt;
    /**
     * Decides on `view` and appends with its version. `assumed`: the view was not just loaded
     * (a kept state, or the empty state of a stream this handler knows nothing of), so only an
     * append is a final answer: a rejection, a no-op or a conflict returns undefined (load and decide again).
     */
    const attempt = async (view: StreamView, assumed: boolean): Promise<StepResult | 'conflict' | undefined> => {
      const { state, version, snapshotVersion } = view;
      let events: DomainEvent[];
      try {
        events = aggregate.decider.decide(command, state);
      } catch (e) {
        if (isDomainError(e)) {
          if (assumed) return undefined;
          return { kind: 'rejected', code: e.code, message: e.message, reply: errorReply(request.commandId, e.code, e.message) };
        }
        throw e;
      }
      if (events.length === 0) {
        if (assumed) return undefined;
        const reply: CommandReply = { ok: true, commandId: request.commandId, streamId, version, eventTypes: [], positions: [], duplicate: false };
        return { kind: 'unchanged', streamId, version, reply };
      }
      let result: AppendResult;
      try {
        result = await store.append(
          streamId,
          events.map((e) => ({
            type: e.type,
            schemaVersion: aggregate.events[e.type]?.schemaVersion ?? 1,
            data: e.data,
            metadata: metadataFor(request, commandId, occurredAt),
          })),
          {
            expectedVersion: version === 0 ? 'no_stream' : version,
            ...(opts.final
              ? { idempotency: { commandId: request.commandId, requestHash, reply: (r: AppendResult) => okReply(request.commandId, r) } }
              : {}),
          },
        );
      } catch (e) {
        states.forget(streamId);
        if (e instanceof ConcurrencyError) return 'conflict';
        throw e;
      }
      const after = events.reduce((s, e) => aggregate.decider.evolve(s, e), state);
      let snapshotAt = snapshotVersion;
      if (result.nextVersion - snapshotVersion >= snapshotEvery) {
        await store
          .saveSnapshot({ streamId, version: result.nextVersion, schemaVersion: SNAPSHOT_SCHEMA, state: after })
          .then(() => (snapshotAt = result.nextVersion))
          .catch((err: unknown) => log?.warn({ err, streamId }, 'snapshot not saved'));
      }
      states.keep(streamId, { state: after, version: result.nextVersion, snapshotVersion: snapshotAt });
      if (afterAppend) {
        // The events are stored; a failing hook (e.g. anchoring) must not turn that into an error reply.
        await Promise.resolve()
          .then(() => afterAppend(result))
          .catch((err: unknown) => log?.error({ err, streamId }, 'afterAppend hook failed'));
      }
      return { kind: 'appended', result, reply: okReply(request.commandId, result) };
    };
    return lock.run(streamId, async () => {
      // Without a load first: the kept state, or (for a stream this handler knows nothing of) the empty one.
      const assumed = states.get(streamId) ?? (assumeNewStreams ? { state: aggregate.decider.initialState(), version: 0, snapshotVersion: 0 } : undefined);
      if (assumed) {
        const step = await attempt(assumed, true);
        if (step !== undefined && step !== 'conflict') return step;
      }
      for (let n = 1; n <= maxAttempts; n++) {
        const loaded = await load<unknown>(aggregate, streamId, opts.checkOutcome && n === 1 ? request.commandId : undefined);
        if (loaded.outcome) throw new KeptOutcome(loaded.outcome);
        const step = await attempt(loaded, false);
        if (step !== 'conflict') return step!;
        if (n < maxAttempts) {
          // Short full jitter: a long back-off starves the loser, because the winning
          // instance's next queued command for the same stream goes straight in meanwhile.
          await sleep(Math.random() * Math.min(50, 2 ** n));
        }
      }
      const reply = errorReply(request.commandId, 'conflict_exhausted', `gave up after ${maxAttempts} conflicting attempts on ${streamId}`);
      return { kind: 'rejected', code: 'conflict_exhausted', message: reply.ok ? '' : reply.error.message, reply };
    });
  };

  /**
   * Handles one command request and returns its reply; never throws for bad input.
   */
  const handle = async (request: CommandRequest): Promise<CommandReply> => {
    const { commandId } = request;
    if (typeof commandId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(commandId)) {
      return errorReply(String(commandId ?? ''), 'validation', 'command id must be 1-128 printable ASCII characters without spaces', [
        { path: 'commandId', message: 'invalid command id' },
      ]);
    }
    const entry = catalogue.get(request.type);
    if (!entry) return errorReply(commandId, 'unknown_command', `unknown command type '${String(request.type)}'`);
    const parsed = entry.definition.schema.safeParse(request.payload);
    if (!parsed.success) {
      return errorReply(commandId, 'validation', `invalid ${request.type} payload`, fieldErrors(parsed.error.issues));
    }
    const unstorable = unstorableStrings(parsed.data, '', unstorableStrings({ person: request.person, correlationId: request.correlationId, causationId: request.causationId }, ''));
    if (unstorable.length > 0) return errorReply(commandId, 'validation', `invalid ${request.type} request: text that cannot be stored`, unstorable);
    const data = parsed.data as { occurredAt?: string };
    if (typeof data.occurredAt === 'string' && Date.parse(data.occurredAt) > now() + maxFutureSkewMs) {
      return errorReply(commandId, 'validation', `occurredAt is more than ${Math.round(maxFutureSkewMs / 1000)} s ahead of the server clock`, [
        { path: 'occurredAt', message: 'in the future' },
      ]);
    }
    const requestHash = sha256Hex(canonicalJson({ type: request.type, payload: parsed.data, person: request.person ?? null }));
    const keptReply = (kept: CommandOutcome): CommandReply =>
      kept.requestHash !== requestHash
        ? errorReply(commandId, 'idempotency_key_reused', `command id ${commandId} was already used with a different payload`)
        : { ...(kept.reply as CommandReply), duplicate: true };
    try {
      const command: DomainCommand = { type: request.type, data: parsed.data };
      const process = processes[request.type];
      // With `loadStream` the plain path reads the kept outcome with the aggregate (one query).
      const outcomeWithLoad = !process && store.loadStream !== undefined;
      if (!outcomeWithLoad) {
        const kept = await store.findOutcome(commandId);
        if (kept) return keptReply(kept);
      }
      if (process) {
        return await process({
          request,
          command,
          requestHash,
          load: (aggregate, id) => load(aggregate, streamName(aggregate.category, id)),
          execute: (c, o) => execute(request, requestHash, c, o),
          finish: (reply) => keep(request, requestHash, reply),
          aggregateOf,
          store,
          metadata: () => metadataFor(request, request.commandId, (parsed.data as { occurredAt: string }).occurredAt),
        });
      }
      const step = await execute(request, requestHash, command, { final: true, checkOutcome: outcomeWithLoad });
      return step.kind === 'appended' ? step.reply : await keep(request, requestHash, step.reply);
    } catch (e) {
      if (e instanceof KeptOutcome) return keptReply(e.outcome);
      if (e instanceof DuplicateCommandError) return { ...(e.reply as CommandReply), duplicate: true };
      if (e instanceof IdempotencyKeyReusedError) return errorReply(commandId, 'idempotency_key_reused', e.message);
      if (e instanceof EventStoreError && e.retriable) {
        log?.warn({ err: e, commandId }, 'store unavailable');
        return errorReply(commandId, 'unavailable', 'the event store is unavailable; retry with the same command id');
      }
      log?.error({ err: e, commandId, type: request.type }, 'command failed');
      return errorReply(commandId, 'internal', 'internal error; retry with the same command id');
    }
  };

  return { handle, catalogue };
};

export type CommandHandler = ReturnType<typeof createCommandHandler>;
