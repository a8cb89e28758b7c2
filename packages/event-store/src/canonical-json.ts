import { EventStoreError } from './errors.ts';

/** Thrown on anything refused while no path is tracked; `canonicalJson` then reruns with paths to name it. */
const REFUSED = Symbol('refused');

const refuse = (path: string | undefined, why: string): never => {
  if (path === undefined) throw REFUSED;
  throw new EventStoreError('invalid_event', `${path}: ${why}`);
};

/** JSON string of an object key, remembered: the same few keys recur in every event. */
const keyJsonCache = new Map<string, string>();
const keyJson = (k: string): string => {
  let j = keyJsonCache.get(k);
  if (j === undefined) {
    j = JSON.stringify(k);
    if (keyJsonCache.size < 10_000) keyJsonCache.set(k, j);
  }
  return j;
};

/**
 * A string JSON.stringify writes as it is between quotes: no quote, backslash or control
 * character to escape, no surrogate (a lone one is refused; a pair takes the general path).
 * Testing it is cheaper than JSON.stringify, which costs ~0.2 µs for even a short string.
 */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/**
 * The canonical JSON of a string (minimal escaping, as JSON.stringify), or undefined for one
 * that `canonicalJson` refuses (a lone surrogate): for callers that assemble canonical text
 * from strings they already know to be strings.
 *
 * @example
 * stringJson('é"'); // '"é\\""'
 */
export const stringJson = (s: string): string | undefined =>
  PLAIN.test(s) ? `"${s}"` : (s as string & { isWellFormed(): boolean }).isWellFormed() ? JSON.stringify(s) : undefined;

/**
 * Sorts an object's keys in place in RFC 8785 order, by their UTF-16 code units (`<` on
 * strings, as JavaScript's default sort): an insertion sort for the few keys of a typical
 * object (linear when they already come in order; twice as fast as `sort()` on an event's
 * dozen keys), the default sort for many.
 */
const sortKeys = (keys: string[]): string[] => {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
};

/**
 * The copy `serialize` made of the value it serialised last, when asked to (`copying`): what
 * `JSON.parse` of its text would return, built on the way instead of parsed back. Module
 * state, read right after each call: serialisation is synchronous and never re-entered.
 */
let copied: unknown;

/** Sets an own data property as `JSON.parse` does, also for the key `__proto__` (which `o[k] = v` would take as the prototype). */
const define = (o: Record<string, unknown>, k: string, v: unknown): void => {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
};

/**
 * RFC 8785 serialisation of one value. `path` (e.g. `$.lines[0]`) is built only when given:
 * building a path string per value is most of the cost on small objects, so the first pass
 * runs without it and only a refused value is serialised again to name where it is. With
 * `copying`, each call also leaves in `copied` what `JSON.parse` of the text it returns would
 * give (plain objects with the keys in the text's order, arrays, -0 as 0): the write path's
 * stored copy, without parsing the text back.
 */
const serialize = (value: unknown, path: string | undefined, copying: boolean): string | undefined => {
  if (value === null) {
    if (copying) copied = null;
    return 'null';
  }
  switch (typeof value) {
    case 'boolean':
      if (copying) copied = value;
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `${String(value)} is not a JSON number`);
      // ECMAScript Number-to-String is exactly RFC 8785's number format (and -0 becomes 0);
      // it round-trips every other finite number exactly.
      if (copying) copied = value === 0 ? 0 : value;
      return String(value);
    case 'string':
      if (copying) copied = value;
      return stringJson(value as string) ?? refuse(path, 'string contains a lone surrogate');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return refuse(path, 'bigint is not JSON (use a string or integer fen within 2^53)');
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return serialize(withJson.toJSON(), path, copying);
      if (Array.isArray(value)) {
        const items: unknown[] | undefined = copying ? new Array<unknown>(value.length) : undefined;
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item = serialize(value[i], path === undefined ? undefined : `${path}[${i}]`, copying);
          if (item === undefined) {
            out += 'null';
            if (items) items[i] = null;
          } else {
            out += item;
            if (items) items[i] = copied;
          }
        }
        if (items) copied = items;
        return out + ']';
      }
      const keys = sortKeys(Object.keys(value));
      const fields: Record<string, unknown> | undefined = copying ? {} : undefined;
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = serialize((value as Record<string, unknown>)[k], path === undefined ? undefined : `${path}.${k}`, copying);
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        out += keyJson(k) + ':' + v;
        if (fields) define(fields, k, copied);
      }
      if (fields) copied = fields;
      return out + '}';
    }
  }
};

/** Serialises `value`, naming the path of a refused one; a top-level non-JSON value (undefined, a function) is refused too. */
const serializeTop = (value: unknown, copying: boolean): string => {
  let out: string | undefined;
  try {
    out = serialize(value, undefined, copying);
  } catch (e) {
    if (e !== REFUSED) throw e;
    out = serialize(value, '$', copying); // throws with the path of the refused value
  }
  if (out === undefined) throw new EventStoreError('invalid_event', '$: value is not JSON');
  return out;
};

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation: keys sorted by UTF-16 code units, no
 * whitespace, ECMAScript number formatting, minimal string escaping. `undefined` properties are
 * dropped as JSON.stringify drops them; non-finite numbers, bigints and lone surrogates are
 * refused with `EventStoreError('invalid_event')`.
 *
 * @example
 * canonicalJson({ b: 1, a: [1e21, 'é'] }); // '{"a":[1e+21,"é"],"b":1}'
 */
export const canonicalJson = (value: unknown): string => serializeTop(value, false);

/**
 * `canonicalJson(value)` and, built in the same pass, the value `JSON.parse` of that text would
 * return: a fresh copy holding exactly what is stored and hashed (Dates as their ISO strings,
 * undefined properties dropped, -0 as 0), for the write path to hand back without parsing the
 * text again. A property test holds the copy to `JSON.parse(json)`.
 *
 * @example
 * const { json, copy } = canonicalJsonWithCopy({ b: new Date(0), a: undefined }); // '{"b":"1970-01-01T00:00:00.000Z"}', { b: '1970-...' }
 */
export const canonicalJsonWithCopy = (value: unknown): { json: string; copy: unknown } => {
  try {
    const json = serializeTop(value, true);
    return { json, copy: copied };
  } finally {
    copied = undefined; // the module keeps nothing of the caller's data between calls
  }
};
