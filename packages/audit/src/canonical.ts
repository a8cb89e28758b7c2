/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no white space,
 * numbers and strings as ECMAScript serialises them; non-finite numbers refused.
 *
 * STAND-IN: the event store is to export the one canonicaliser of the write path
 * (`canonicalJson` from @cs/event-store); it had not landed when the audit package was
 * written. Switch hashing.ts and anchor.ts to it when it does (the contract test in
 * hashing.int.spec.ts then proves both agree on real appended events).
 *
 * @example
 * canonical({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export const canonical = (value: unknown): string => {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise the number ${value}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonical(v))).join(',')}]`;
      const o = (typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value) as Record<string, unknown>;
      if (o === null || typeof o !== 'object') return canonical(o);
      const keys = Object.keys(o).filter((k) => o[k] !== undefined && typeof o[k] !== 'function').sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot canonicalise a ${typeof value}`);
  }
};
