import { z } from 'zod';
import { canonicalJson, canonicalJsonWithCopy, stringJson } from './canonical-json.ts';
import { ConcurrencyError, DuplicateCommandError, EventStoreError, IdempotencyKeyReusedError } from './errors.ts';
import { deterministicUuid, sha256Hex } from './hash.ts';
import type { CommandOutcome, EventMetadata, ExpectedVersion, NewEvent, RecordedEvent } from './port.ts';

const metadataSchema = z.object({
  commandId: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).optional(),
  actor: z.object({ service: z.string().min(1), person: z.string().min(1).optional() }),
  occurredAt: z.string().min(1),
});
export const newEventSchema = z.object({
  id: z.uuid().optional(),
  type: z.string().min(1).max(200),
  schemaVersion: z.number().int().min(1).optional(),
  data: z.unknown(),
  metadata: metadataSchema,
});

type ParsedEvent = z.infer<typeof newEventSchema>;

const UUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max = Infinity): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;

/**
 * `newEventSchema.safeParse(raw)` for the events every append sends (a tenth of an event's
 * preparation time in zod): a plain check that accepts only what the schema accepts and
 * returns what it would (unknown keys stripped). Anything else, wrong or unusual, goes to the
 * schema itself, which gives the error. A property test holds the two to the same answers.
 */
export const parseNewEvent = (raw: unknown): { success: true; data: ParsedEvent } | { success: false; error: z.ZodError } => {
  if (isRecord(raw)) {
    const { id, type, schemaVersion, metadata: m } = raw;
    if (
      'data' in raw &&
      (id === undefined || (typeof id === 'string' && UUID.test(id))) &&
      isText(type, 200) &&
      (schemaVersion === undefined || (typeof schemaVersion === 'number' && Number.isSafeInteger(schemaVersion) && schemaVersion >= 1)) &&
      isRecord(m) &&
      isText(m.commandId) &&
      isText(m.correlationId) &&
      (m.causationId === undefined || isText(m.causationId)) &&
      isRecord(m.actor) &&
      isText(m.actor.service) &&
      (m.actor.person === undefined || isText(m.actor.person)) &&
      isText(m.occurredAt)
    ) {
      const actor: ParsedEvent['metadata']['actor'] = { service: m.actor.service };
      if ('person' in m.actor) actor.person = m.actor.person as string | undefined;
      const metadata: ParsedEvent['metadata'] = { commandId: m.commandId, correlationId: m.correlationId, actor, occurredAt: m.occurredAt };
      if ('causationId' in m) metadata.causationId = m.causationId as string | undefined;
      const data: ParsedEvent = { type, data: raw.data, metadata };
      if ('id' in raw) data.id = id as string | undefined;
      if ('schemaVersion' in raw) data.schemaVersion = schemaVersion as number | undefined;
      return { success: true, data };
    }
  }
  return newEventSchema.safeParse(raw);
};

/** `canonicalJson(s)` of a string, without its general serialiser (which names a refused one). */
const canonicalString = (s: string): string => stringJson(s) ?? canonicalJson(s);

/**
 * `canonicalJson({ ...metadata, recordedAt })` for metadata as `parseNewEvent` returns it (only
 * the schema's keys, strings or undefined), assembled in RFC 8785 key order without sorting.
 * A string canonicalJson would refuse goes to canonicalJson itself, which names it. A property
 * test holds the two to the same text.
 */
export const metadataJson = (m: ParsedEvent['metadata'], recordedAt: string): string => {
  const person = m.actor.person === undefined ? '' : stringJson(m.actor.person);
  const service = stringJson(m.actor.service);
  const causation = m.causationId === undefined ? '' : stringJson(m.causationId);
  const command = stringJson(m.commandId);
  const correlation = stringJson(m.correlationId);
  const occurred = stringJson(m.occurredAt);
  const recorded = stringJson(recordedAt);
  if (person === undefined || service === undefined || causation === undefined || command === undefined || correlation === undefined || occurred === undefined || recorded === undefined)
    return canonicalJson({ ...m, recordedAt });
  return `{"actor":{${person && `"person":${person},`}"service":${service}},${causation && `"causationId":${causation},`}"commandId":${command},"correlationId":${correlation},"occurredAt":${occurred},"recordedAt":${recorded}}`;
};

/**
 * What `JSON.parse(metadataJson(m, recordedAt))` returns, built from the parsed metadata: the
 * same keys in the text's (RFC 8785) order, absent optional ones left out.
 */
const metadataCopy = (m: ParsedEvent['metadata'], recordedAt: string): EventMetadata & { recordedAt: string } => {
  const { commandId, correlationId, causationId, occurredAt } = m;
  const actor = m.actor.person === undefined ? { service: m.actor.service } : { person: m.actor.person, service: m.actor.service };
  return causationId === undefined
    ? { actor, commandId, correlationId, occurredAt, recordedAt }
    : { actor, causationId, commandId, correlationId, occurredAt, recordedAt };
};

/** A validated event ready to be stored: everything but its position. */
export type PreparedEvent = Omit<RecordedEvent, 'position'>;

/**
 * Whether JSON text (as JSON.stringify / canonicalJson write it) holds U+0000 in a string or a
 * key: the escape `\u0000` whose backslash starts an escape, i.e. follows an even number of
 * backslashes. A string that holds a backslash followed by `u0000` (written `\\u0000`) does not.
 *
 * @example
 * holdsNul('{"a":"x\\u0000"}'); // true: the string holds U+0000
 */
export const holdsNul = (json: string): boolean => {
  for (let at = json.indexOf('\\u0000'); at !== -1; at = json.indexOf('\\u0000', at + 1)) {
    let backslashes = 0;
    while (at - backslashes - 1 >= 0 && json.charCodeAt(at - backslashes - 1) === 92) backslashes++;
    if (backslashes % 2 === 0) return true;
  }
  return false;
};

const noNul = (json: string, where: string): void => {
  // PostgreSQL jsonb cannot hold U+0000; refuse it everywhere so every adapter behaves alike.
  if (holdsNul(json)) throw new EventStoreError('invalid_event', `${where}: strings may not contain U+0000`);
};

/**
 * Checks an expected version against a stream's current version (0 = no stream).
 *
 * @example
 * checkExpectedVersion('Order-1', 'no_stream', 0); // ok; with 3 it throws ConcurrencyError
 */
export const checkExpectedVersion = (streamId: string, expected: ExpectedVersion, actual: number): void => {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 0) ||
    (expected === 'stream_exists' && actual > 0) ||
    (typeof expected === 'number' && expected === actual);
  if (!ok) throw new ConcurrencyError(streamId, expected, actual);
};

/**
 * Validates an append request's arguments and throws `invalid_event` on bad input.
 *
 * @example
 * validateAppend('Order-1', events, 'no_stream');
 */
export const validateAppend = (streamId: unknown, events: unknown, expected: unknown): void => {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 500)
    throw new EventStoreError('invalid_event', 'streamId must be a non-empty string of at most 500 characters');
  if (!Array.isArray(events) || events.length === 0) throw new EventStoreError('invalid_event', 'events must be a non-empty array');
  const okExpected =
    expected === 'any' || expected === 'no_stream' || expected === 'stream_exists' || (typeof expected === 'number' && Number.isInteger(expected) && expected >= 0);
  if (!okExpected) throw new EventStoreError('invalid_event', `invalid expectedVersion ${String(expected)}`);
};

/**
 * Prepared events with their data and metadata as the canonical JSON text that was hashed. Each
 * event already has its `position` field, empty (''): the adapter sets it in place once the
 * store has assigned it, instead of copying every event to add it.
 */
export type PreparedJson = { events: RecordedEvent[]; data: string[]; metadata: string[] };

/**
 * `prepareEvents`, also returning each event's data and metadata as canonical JSON text (what
 * was hashed), so an adapter can store that text instead of serialising the values again.
 *
 * @example
 * const { events, data, metadata } = prepareEventsJson('Order-1', events, { version: 0, hash: ZERO_HASH }, recordedAt);
 */
export const prepareEventsJson = (
  streamId: string,
  events: readonly NewEvent[],
  head: { version: number; hash: string },
  recordedAt: string,
): PreparedJson => {
  let prevHash = head.hash;
  const data: string[] = [];
  const metadata: string[] = [];
  const streamJson = events.length > 0 ? canonicalString(streamId) : '';
  const prepared = events.map((raw, index) => {
    const parsed = parseNewEvent(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EventStoreError('invalid_event', `event ${index}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
    const e = parsed.data;
    const { json: dataJson, copy: dataCopy } = canonicalJsonWithCopy(e.data);
    noNul(dataJson, `event ${index} data`);
    const metaJson = metadataJson(e.metadata, recordedAt);
    noNul(metaJson, `event ${index} metadata`);
    const streamVersion = head.version + index + 1;
    const id = e.id ?? deterministicUuid(`${e.metadata.commandId}|${streamId}|${index}`);
    const schemaVersion = e.schemaVersion ?? 1;
    // eventHash's canonical form, assembled from the parts already canonicalised (keys in
    // RFC 8785 order): the data is serialised once instead of three times.
    const hash = sha256Hex(
      `{"data":${dataJson},"id":${canonicalString(id)},"metadata":${metaJson},"prevHash":${canonicalString(prevHash)},"schemaVersion":${schemaVersion},"streamId":${streamJson},"streamVersion":${streamVersion},"type":${canonicalString(e.type)}}`,
    );
    const event: RecordedEvent = {
      id,
      streamId,
      streamVersion,
      type: e.type,
      schemaVersion,
      storedSchemaVersion: schemaVersion,
      // Fresh copies of what was hashed and is stored (what a read returns), built while
      // serialising rather than parsed back: the caller's objects are never handed back.
      data: dataCopy,
      metadata: metadataCopy(e.metadata, recordedAt),
      prevHash,
      hash,
      position: '',
    };
    data.push(dataJson);
    metadata.push(metaJson);
    prevHash = hash;
    return event;
  });
  return { events: prepared, data, metadata };
};

/**
 * The one write path shared by every adapter: validates the new events, normalises their
 * JSON (what is hashed is exactly what is read back), derives ids from the command id when
 * absent, stamps `recordedAt` (ISO, milliseconds) into the metadata and links the hash chain.
 *
 * @example
 * const prepared = prepareEvents('Order-1', events, { version: 0, hash: ZERO_HASH }, new Date().toISOString());
 */
export const prepareEvents = (
  streamId: string,
  events: readonly NewEvent[],
  head: { version: number; hash: string },
  recordedAt: string,
): PreparedEvent[] => prepareEventsJson(streamId, events, head, recordedAt).events;

/**
 * `recordedAt` as stored: ISO 8601 UTC with milliseconds.
 *
 * @example
 * recordedAtNow(() => new Date(0)); // '1970-01-01T00:00:00.000Z'
 */
export const recordedAtNow = (clock: () => Date = () => new Date()): string => clock().toISOString();

/**
 * Outcome bookkeeping shared by every adapter: a kept outcome under the same command id makes
 * the call a duplicate (same request hash) or a refused reuse (another hash).
 *
 * @example
 * checkOutcome(await store.findOutcome(id), id, hash); // throws DuplicateCommandError or IdempotencyKeyReusedError
 */
export const checkOutcome = (kept: CommandOutcome | undefined, commandId: string, requestHash: string): void => {
  if (!kept) return;
  if (kept.requestHash !== requestHash) throw new IdempotencyKeyReusedError(commandId);
  throw new DuplicateCommandError(commandId, kept.reply);
};

/**
 * `readAll`'s `types` option checked and as a set (undefined: every type), shared by every
 * adapter; anything but an array of non-empty strings is `invalid_event`.
 *
 * @example
 * const types = typeFilter(options.types); // Set { 'OrderPlaced' } or undefined
 */
export const typeFilter = (types: unknown): ReadonlySet<string> | undefined => {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 200))
    throw new EventStoreError('invalid_event', 'types must be an array of event type names');
  return new Set(types as string[]);
};

/** A boolean `readAll` option checked: true (the default) or false; anything else is `invalid_event`. */
const flag = (value: unknown, name: string): boolean => {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new EventStoreError('invalid_event', `${name} must be a boolean`);
  return value;
};

/**
 * `readAll`'s `metadata` option checked (see ReadAllOptions), shared by every adapter: true
 * (the default) or false; anything else is `invalid_event`.
 *
 * @example
 * const whole = metadataWanted(options.metadata); // true unless the reader passed false
 */
export const metadataWanted = (metadata: unknown): boolean => flag(metadata, 'metadata');

/**
 * `readAll`'s `chain` option checked (see ReadAllOptions), as `metadataWanted`.
 *
 * @example
 * const withHashes = chainWanted(options.chain); // true unless the reader passed false
 */
export const chainWanted = (chain: unknown): boolean => flag(chain, 'chain');
