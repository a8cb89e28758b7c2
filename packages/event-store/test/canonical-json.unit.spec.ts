import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringJson } from '../src/canonical-json.ts';
import { canonicalJson, canonicalJsonWithCopy, deterministicUuid, EventStoreError, eventHash, prepareEvents, verifyChain, ZERO_HASH, type NewEvent, type RecordedEvent } from '../src/index.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('matches the RFC 8785 sample (numbers, escapes, literals, key order)', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });
  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const keys = Object.keys(JSON.parse(canonicalJson(input)) as object);
    // JSON.parse re-orders integer-like keys first, so compare the serialised order instead.
    expect(canonicalJson(input).match(/"([^"]|\\")*":/g)).toEqual(['"\\r":', '"1":', '"\u0080":', '"\u00f6":', '"\u20ac":', '"\ud83d\ude00":', '"\ufb33":']);
    expect(keys).toHaveLength(7);
  });
  it('property: keys in UTF-16 code unit order, for few keys and for many (two sorting paths)', () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: 'binary-ascii', maxLength: 3 }), fc.constantFrom('a', 'aa', 'B', '10', '9', '\u00e9', '\ud83d\ude00', '\ufb33'));
    fc.assert(
      fc.property(fc.dictionary(key, fc.integer(), { maxKeys: 60 }), (o) => {
        const expected = `{${Object.keys(o)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${o[k]}`)
          .join(',')}}`;
        expect(canonicalJson(o)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
  it('formats numbers as ECMAScript does', () => {
    expect(canonicalJson([0, -0, 1, -1.5, 1e21, 1e-7, 123456789012345680000, 0.1 + 0.2, 5e-324, Number.MAX_SAFE_INTEGER])).toBe(
      '[0,0,1,-1.5,1e+21,1e-7,123456789012345680000,0.30000000000000004,5e-324,9007199254740991]',
    );
  });
  it('escapes only what JSON requires and keeps other unicode as is', () => {
    expect(canonicalJson('破损 ü 👩‍👩‍👧 \u2028 \u001f \u007f é')).toBe('"破损 ü 👩‍👩‍👧 \u2028 \\u001f \u007f é"');
  });
  it('drops undefined properties like JSON.stringify, nulls undefined array items', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1], c: null })).toBe('{"b":[null,1],"c":null}');
  });
  it('names the path of a refused value, however deep', () => {
    const cases: [unknown, string][] = [
      [{ a: [1, { b: Number.NaN }] }, '$.a[1].b'],
      [{ z: 1, y: { x: [0n] } }, '$.y.x[0]'],
      [[{ s: 'ok' }, { s: '\udc00' }], '$[1].s'],
      [{ d: { toJSON: () => ({ e: Number.NEGATIVE_INFINITY }) } }, '$.d.e'],
    ];
    for (const [bad, path] of cases) {
      expect(() => canonicalJson(bad)).toThrow(EventStoreError);
      expect(() => canonicalJson(bad)).toThrow(path);
    }
  });
  it('refuses what JSON cannot hold, with a coded error', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, { a: 10n }, { s: '\ud800' }, undefined]) {
      const err = (() => {
        try {
          canonicalJson(bad);
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(EventStoreError);
      expect((err as EventStoreError).code).toBe('invalid_event');
    }
  });
  it('property: parses back to the JSON value and ignores key insertion order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalJson(v);
        expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)));
        const reordered = JSON.parse(JSON.stringify(v), (_k, x: unknown) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        );
        expect(canonicalJson(reordered)).toBe(c);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Holds `a` to `b` as `JSON.parse` builds values: the same primitives (Object.is, so -0 is not
 * 0), arrays of the same items, plain objects with the same own keys in the same order.
 */
const sameParsed = (a: unknown, b: unknown, path = '$'): void => {
  if (Array.isArray(b)) {
    expect(Array.isArray(a), path).toBe(true);
    expect((a as unknown[]).length, path).toBe(b.length);
    b.forEach((x, i) => sameParsed((a as unknown[])[i], x, `${path}[${i}]`));
  } else if (b !== null && typeof b === 'object') {
    expect(a !== null && typeof a === 'object' && !Array.isArray(a), path).toBe(true);
    expect(Object.getPrototypeOf(a), path).toBe(Object.prototype);
    expect(Object.keys(a as object), path).toEqual(Object.keys(b));
    for (const k of Object.keys(b)) {
      expect(Object.getOwnPropertyDescriptor(a, k), `${path}.${k}`).toMatchObject({ writable: true, enumerable: true, configurable: true });
      sameParsed((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    }
  } else expect(Object.is(a, b), `${path}: ${String(a)} vs ${String(b)}`).toBe(true);
};

/** Every object and array reachable from a value. */
const containers = (v: unknown, out = new Set<object>()): Set<object> => {
  if (v !== null && typeof v === 'object' && !out.has(v)) {
    out.add(v);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
};

describe('stringJson (a string\'s canonical JSON)', () => {
  it('property: JSON.stringify of a well-formed string, undefined for one with a lone surrogate, on the plain fast path or not', () => {
    const unit = fc.oneof(fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '😀', 'é', 'a', ' '), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit, maxLength: 8 }), fc.string({ unit: 'binary' }), fc.string()), (s) => {
        expect(stringJson(s)).toBe((s as string & { isWellFormed(): boolean }).isWellFormed() ? JSON.stringify(s) : undefined);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('canonicalJsonWithCopy (the write path\'s stored copy, built while serialising)', () => {
  // Values JSON.stringify treats specially: -0, undefined (dropped or null), functions,
  // Dates and other toJSON objects, sparse arrays, keys like __proto__ and integer-like keys,
  // null-prototype objects, strings with lone surrogates (refused).
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 0 }),
    fc.constantFrom(-0, 0, undefined, 1e21, 5e-324, -1.5, () => 1, Symbol.for('s')),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.date({ noInvalidDate: true }),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );
  const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', 'toJSON', '0', '10', '2', 'a', 'é', '😀'));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('withToJson')),
    array: fc.oneof(fc.array(tie('value'), { maxLength: 4 }), fc.sparseArray(tie('value'), { maxLength: 4 })),
    object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    withToJson: tie('value').map((inner) => ({ toJSON: () => inner })),
  }));
  const outcome = (f: () => unknown): unknown => {
    try {
      return { ok: f() };
    } catch (e) {
      return { error: e instanceof EventStoreError ? `${e.code}: ${e.message}` : String(e) };
    }
  };

  it('property: the same text as canonicalJson, and a copy equal to JSON.parse of it (key order, -0, __proto__), sharing nothing with the input', () => {
    fc.assert(
      fc.property(value, (v) => {
        const both = outcome(() => canonicalJsonWithCopy(v)) as { ok?: { json: string; copy: unknown }; error?: string };
        const alone = outcome(() => canonicalJson(v)) as { ok?: string; error?: string };
        if (both.error !== undefined || alone.error !== undefined) {
          expect(both.error).toBe(alone.error);
          return;
        }
        const { json, copy } = both.ok!;
        expect(json).toBe(alone.ok);
        sameParsed(copy, JSON.parse(json));
        const inputs = containers(v);
        for (const c of containers(copy)) expect(inputs.has(c)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
  it('copies as JSON.parse would: a Date as its string, undefined dropped or null, -0 as 0, __proto__ as an own key', () => {
    const input = JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>;
    const { json, copy } = canonicalJsonWithCopy({ b: [undefined, -0, new Date(0)], a: undefined, p: input });
    expect(json).toBe('{"b":[null,0,"1970-01-01T00:00:00.000Z"],"p":{"__proto__":{"x":1}}}');
    sameParsed(copy, JSON.parse(json));
    expect(Object.getPrototypeOf((copy as { p: object }).p)).toBe(Object.prototype);
    expect(Object.keys((copy as { p: object }).p)).toEqual(['__proto__']);
  });
  it('refuses what canonicalJson refuses, with the same coded error naming the path', () => {
    expect(() => canonicalJsonWithCopy({ a: [1, { b: Number.NaN }] })).toThrow('$.a[1].b: NaN is not a JSON number');
    expect(() => canonicalJsonWithCopy(undefined)).toThrow(EventStoreError);
  });
});

describe('hash chain helpers', () => {
  const base = { streamId: 'S-1', streamVersion: 1, id: 'a', type: 'T', schemaVersion: 1, data: { b: 1, a: 2 }, metadata: { commandId: 'c' }, prevHash: ZERO_HASH };
  it('eventHash is key-order independent and sensitive to every field', () => {
    const h = eventHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash({ ...base, data: { a: 2, b: 1 } })).toBe(h);
    for (const changed of [{ streamVersion: 2 }, { id: 'b' }, { type: 'U' }, { schemaVersion: 2 }, { data: { a: 2 } }, { metadata: {} }, { prevHash: 'f'.repeat(64) }, { streamId: 'S-2' }])
      expect(eventHash({ ...base, ...changed })).not.toBe(h);
  });
  it('verifyChain names the first bad version and why', () => {
    const chain: RecordedEvent[] = [];
    let prev = ZERO_HASH;
    for (let v = 1; v <= 3; v++) {
      const e = { ...base, streamVersion: v, id: `e${v}`, prevHash: prev, metadata: { commandId: 'c', recordedAt: '2024-01-01T00:00:00.000Z' } };
      const hash = eventHash(e);
      chain.push({ ...e, storedSchemaVersion: 1, position: String(v), hash } as unknown as RecordedEvent);
      prev = hash;
    }
    expect(verifyChain(chain)).toEqual({ ok: true, checked: 3, head: prev });
    expect(verifyChain([chain[0]!, { ...chain[1]!, prevHash: ZERO_HASH }, chain[2]!])).toMatchObject({ ok: false, version: 2, reason: 'prev_hash_mismatch' });
    expect(verifyChain([chain[0]!, { ...chain[1]!, type: 'X' }, chain[2]!])).toMatchObject({ ok: false, version: 2, reason: 'hash_mismatch' });
    expect(verifyChain([chain[1]!, chain[2]!])).toMatchObject({ ok: true, checked: 2 });
    expect(verifyChain([chain[1]!, chain[2]!], { prevHash: ZERO_HASH })).toMatchObject({ ok: false, version: 2, reason: 'prev_hash_mismatch' });
  });
  it('deterministicUuid is stable, version 5 layout, and differs per name', () => {
    const a = deterministicUuid('cmd-1|Order-1|0');
    expect(a).toBe(deterministicUuid('cmd-1|Order-1|0'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('cmd-1|Order-1|1')).not.toBe(a);
  });
  it('deterministicUuid gives the ids it always gave (a retry after an upgrade derives the same ids)', () => {
    // Computed with the first implementation (a sha-1 Hash object over the namespace and the name).
    expect(deterministicUuid('cmd-1|Order-1|0')).toBe('89d6870c-6917-579a-b507-9dcb932684d2');
    expect(deterministicUuid('命令-7|Complaint-投诉-3|12')).toBe('d8610cd0-7c79-5bf4-9d95-7d7c1d8f9a52');
    expect(deterministicUuid('')).toBe('1b4db7eb-4057-5ddf-91e0-36dec72071f5');
  });
});

describe('prepareEvents', () => {
  it('links each event with exactly eventHash (the hash is assembled from parts canonicalised once)', () => {
    const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes('\\u0000'));
    // Metadata strings of any script, with characters JSON escapes (no U+0000, which is refused).
    const text = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.constantFrom('"q"', 'back\\slash', 'tab\t', '\u2028', '😀')).filter((t) => !t.includes('\u0000'));
    fc.assert(
      fc.property(fc.array(json, { minLength: 1, maxLength: 4 }), fc.string({ minLength: 1, maxLength: 20 }), fc.option(fc.string({ minLength: 1 }), { nil: undefined }), fc.option(text, { nil: undefined }), text, text, (datas, streamId, person, causationId, commandId, service) => {
        const events: NewEvent[] = datas.map((data, i) => ({
          type: `T\u00e9${i}`,
          schemaVersion: 1 + (i % 2),
          data,
          metadata: { commandId, correlationId: 'k', causationId, actor: person === undefined ? { service } : { service, person }, occurredAt: '2024-01-01T00:00:00Z' },
        }));
        const prepared = prepareEvents(streamId, events, { version: 7, hash: 'f'.repeat(64) }, '2024-01-02T00:00:00.000Z');
        let prev = 'f'.repeat(64);
        for (const p of prepared) {
          expect(p.prevHash).toBe(prev);
          expect(p.hash).toBe(eventHash(p));
          expect(p.metadata.recordedAt).toBe('2024-01-02T00:00:00.000Z');
          // The stored copies are what parsing the hashed text back gives, keys in its order.
          const e = events[p.streamVersion - 8]!;
          sameParsed(p.data, JSON.parse(canonicalJson(e.data)));
          sameParsed(p.metadata, JSON.parse(canonicalJson({ ...e.metadata, recordedAt: '2024-01-02T00:00:00.000Z' })));
          prev = p.hash;
        }
      }),
      { numRuns: 200 },
    );
  });
});
