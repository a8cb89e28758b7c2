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
 * The canonical JSON of a string (minimal escaping, as JSON.stringify), or undefined for one
 * that `canonicalJson` refuses (a lone surrogate): for callers that assemble canonical text
 * from strings they already know to be strings.
 *
 * @example
 * stringJson('é"'); // '"é\\""'
 */
export const stringJson = (s: string): string | undefined => ((s as string & { isWellFormed(): boolean }).isWellFormed() ? JSON.stringify(s) : undefined);

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
 * RFC 8785 serialisation of one value. `path` (e.g. `$.lines[0]`) is built only when given:
 * building a path string per value is most of the cost on small objects, so the first pass
 * runs without it and only a refused value is serialised again to name where it is.
 */
const serialize = (value: unknown, path?: string): string | undefined => {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `${String(value)} is not a JSON number`);
      // ECMAScript Number-to-String is exactly RFC 8785's number format (and -0 becomes 0).
      return String(value);
    case 'string':
      return stringJson(value as string) ?? refuse(path, 'string contains a lone surrogate');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return refuse(path, 'bigint is not JSON (use a string or integer fen within 2^53)');
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return serialize(withJson.toJSON(), path);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += serialize(value[i], path === undefined ? undefined : `${path}[${i}]`) ?? 'null';
        }
        return out + ']';
      }
      const keys = sortKeys(Object.keys(value));
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = serialize((value as Record<string, unknown>)[k], path === undefined ? undefined : `${path}.${k}`);
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        out += keyJson(k) + ':' + v;
      }
      return out + '}';
    }
  }
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
export const canonicalJson = (value: unknown): string => {
  let out: string | undefined;
  try {
    out = serialize(value);
  } catch (e) {
    if (e !== REFUSED) throw e;
    out = serialize(value, '$'); // throws with the path of the refused value
  }
  if (out === undefined) throw new EventStoreError('invalid_event', '$: value is not JSON');
  return out;
};
