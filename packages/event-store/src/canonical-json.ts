import { EventStoreError } from './errors.ts';

const serialize = (value: unknown, path: string): string | undefined => {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new EventStoreError('invalid_event', `${path}: ${String(value)} is not a JSON number`);
      // ECMAScript Number-to-String is exactly RFC 8785's number format (and -0 becomes 0).
      return JSON.stringify(value);
    case 'string':
      if (!(value as string & { isWellFormed(): boolean }).isWellFormed())
        throw new EventStoreError('invalid_event', `${path}: string contains a lone surrogate`);
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new EventStoreError('invalid_event', `${path}: bigint is not JSON (use a string or integer fen within 2^53)`);
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return serialize(withJson.toJSON(), path);
      if (Array.isArray(value)) return `[${value.map((v, i) => serialize(v, `${path}[${i}]`) ?? 'null').join(',')}]`;
      // RFC 8785 orders keys by their UTF-16 code units: JavaScript's default sort.
      const keys = Object.keys(value).sort();
      const parts: string[] = [];
      for (const k of keys) {
        const v = serialize((value as Record<string, unknown>)[k], `${path}.${k}`);
        if (v !== undefined) parts.push(`${JSON.stringify(k)}:${v}`);
      }
      return `{${parts.join(',')}}`;
    }
  }
};

/** Thrown by the fast serialiser on anything it would refuse; the path-tracking one then reports where. */
const REFUSED = Symbol('refused');

/**
 * The same serialisation as `serialize`, without building a path string per value (most of its
 * cost on small objects): used first, and `serialize` only reruns to name the offending path.
 */
const fast = (value: unknown): string | undefined => {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) throw REFUSED;
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw REFUSED;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw REFUSED;
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return fast(withJson.toJSON());
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += fast(value[i]) ?? 'null';
        }
        return `${out}]`;
      }
      const keys = Object.keys(value).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = fast((value as Record<string, unknown>)[k]);
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${v}`;
        first = false;
      }
      return `${out}}`;
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
    out = fast(value);
  } catch (e) {
    if (e !== REFUSED) throw e;
    out = serialize(value, '$'); // throws with the path of the refused value
  }
  if (out === undefined) throw new EventStoreError('invalid_event', '$: value is not JSON');
  return out;
};
