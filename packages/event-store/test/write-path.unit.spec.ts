import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical-json.ts';
import { holdsNul, metadataJson, newEventSchema, parseNewEvent } from '../src/write-path.ts';

// Values of every kind a caller might put in a field: the right shape, the wrong one, and the edges.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 5 }),
  fc.string({ minLength: 199, maxLength: 202 }),
  fc.uuid(),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'C5B8D3A0-1C1E-5D7E-9A1B-1234567890AB', 'c5b8d3a0-1c1e-0d7e-9a1b-1234567890ab', 'not-a-uuid'),
  fc.integer({ min: -2, max: 3 }),
  fc.constantFrom(1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 0),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
const maybe = <T,>(arb: fc.Arbitrary<T>) => fc.oneof(arb, anyValue);
const actor = fc.oneof(
  fc.record({ service: maybe(fc.string({ minLength: 1, maxLength: 8 })), person: maybe(fc.string({ minLength: 1, maxLength: 8 })), extra: anyValue }, { requiredKeys: [] }),
  anyValue,
);
const metadata = fc.oneof(
  fc.record(
    {
      commandId: maybe(fc.string({ minLength: 1, maxLength: 8 })),
      correlationId: maybe(fc.string({ minLength: 1, maxLength: 8 })),
      causationId: maybe(fc.string({ minLength: 1, maxLength: 8 })),
      actor,
      occurredAt: maybe(fc.constant('2024-01-01T00:00:00.000Z')),
      recordedAt: anyValue,
    },
    { requiredKeys: [] },
  ),
  anyValue,
);
const rawEvent = fc.oneof(
  fc.record(
    { id: maybe(fc.uuid()), type: maybe(fc.string({ minLength: 1, maxLength: 10 })), schemaVersion: maybe(fc.integer({ min: 1, max: 5 })), data: fc.oneof(fc.jsonValue(), anyValue), metadata, other: anyValue },
    { requiredKeys: [] },
  ),
  anyValue,
);

describe('parseNewEvent (the fast path of the write path)', () => {
  it('property: gives the schema\'s answer for any input: the same acceptance and the same parsed event', () => {
    fc.assert(
      fc.property(rawEvent, (raw) => {
        const fast = parseNewEvent(raw);
        const schema = newEventSchema.safeParse(raw);
        expect(fast.success).toBe(schema.success);
        if (fast.success && schema.success) expect(fast.data).toEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
  });
  it('strips unknown keys like the schema, and refuses what it refuses', () => {
    const ok = parseNewEvent({ type: 'A', data: { x: 1 }, extra: 1, metadata: { commandId: 'c', correlationId: 'c', actor: { service: 's', role: 'x' }, occurredAt: 't', recordedAt: 'r' } });
    expect(ok).toEqual({ success: true, data: { type: 'A', data: { x: 1 }, metadata: { commandId: 'c', correlationId: 'c', actor: { service: 's' }, occurredAt: 't' } } });
    expect(parseNewEvent({ type: '', data: 1, metadata: {} }).success).toBe(false);
    expect(parseNewEvent({ type: 'A', id: 'nope', data: 1, metadata: { commandId: 'c', correlationId: 'c', actor: { service: 's' }, occurredAt: 't' } }).success).toBe(false);
  });
});

describe('metadataJson (the metadata\'s canonical JSON, assembled in key order)', () => {
  // Any strings: ASCII, escapes and control characters, astral characters, lone surrogates.
  const text = fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.constantFrom('"', '\\', '\u2028', '\ud800', 'x\udfff', '😀', '\u0000'));
  const parsedMetadata = fc
    .record(
      { commandId: text, correlationId: text, causationId: fc.option(text, { nil: undefined }), service: text, person: fc.option(text, { nil: undefined }), occurredAt: text },
      { requiredKeys: ['commandId', 'correlationId', 'service', 'occurredAt'] },
    )
    .map(({ service, person, ...m }) => parseNewEvent({ type: 'A', data: null, metadata: { ...m, actor: person === undefined ? { service } : { service, person } } }));
  const outcome = (f: () => string) => {
    try {
      return { text: f() };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  it('property: the same text as canonicalJson({ ...metadata, recordedAt }), or the same refusal', () => {
    fc.assert(
      fc.property(parsedMetadata, text, (parsed, recordedAt) => {
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const m = parsed.data.metadata;
        expect(outcome(() => metadataJson(m, recordedAt))).toEqual(outcome(() => canonicalJson({ ...m, recordedAt })));
      }),
      { numRuns: 2000 },
    );
  });
  it('keeps a key present as undefined out, as canonicalJson does', () => {
    const m = { commandId: 'c', correlationId: 'r', causationId: undefined, actor: { service: 's', person: undefined }, occurredAt: 't' };
    expect(metadataJson(m, 'at')).toBe('{"actor":{"service":"s"},"commandId":"c","correlationId":"r","occurredAt":"t","recordedAt":"at"}');
    expect(metadataJson(m, 'at')).toBe(canonicalJson({ ...m, recordedAt: 'at' }));
  });
});

describe('holdsNul (U+0000, which PostgreSQL jsonb cannot hold, in JSON text)', () => {
  // Strings mixing backslashes, the letters of an escape and real U+0000.
  const tricky = fc.string({ unit: fc.constantFrom('\\', 'u', '0', '\u0000', 'a', '"'), maxLength: 12 });
  it('property: true exactly when a string or a key holds U+0000, whatever backslashes and "u0000" text are around it', () => {
    fc.assert(
      fc.property(tricky, tricky, (value, key) => {
        expect(holdsNul(JSON.stringify(value))).toBe(value.includes('\u0000'));
        expect(holdsNul(canonicalJson({ [key]: [value] }))).toBe(key.includes('\u0000') || value.includes('\u0000'));
      }),
      { numRuns: 2000 },
    );
  });
  it('keeps a backslash followed by u0000 (a quoted escape) and refuses a real U+0000 after an escaped backslash', () => {
    expect(holdsNul(JSON.stringify('C:\\u0000'))).toBe(false);
    expect(holdsNul(JSON.stringify('a\u0000b'))).toBe(true);
    expect(holdsNul(JSON.stringify('\\\u0000'))).toBe(true);
    expect(holdsNul(JSON.stringify('\\\\u0000'))).toBe(false);
  });
});
