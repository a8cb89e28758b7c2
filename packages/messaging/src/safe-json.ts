import type { FieldError } from './reply.ts';

/** Keys that could reach an object's prototype if the parsed value were ever merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type SafeJsonLimits = { maxBytes: number; maxDepth: number };

export type SafeJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'payload_too_large' | 'validation'; message: string; fields?: FieldError[] };

/**
 * Parses untrusted JSON bytes defensively: refuses payloads over `maxBytes`, nesting deeper than
 * `maxDepth` (checked on the raw text, before parsing), invalid UTF-8 or JSON, and any
 * `__proto__` / `constructor` / `prototype` key at any depth. Never throws.
 *
 * @example
 * parseUntrustedJson(new TextEncoder().encode('{"a":1}'), { maxBytes: 1024, maxDepth: 16 }); // { ok: true, value: { a: 1 } }
 */
export const parseUntrustedJson = (bytes: Uint8Array, limits: SafeJsonLimits): SafeJsonResult => {
  if (bytes.length > limits.maxBytes)
    return { ok: false, code: 'payload_too_large', message: `payload of ${bytes.length} bytes exceeds the limit of ${limits.maxBytes} bytes` };
  if (bytes.length === 0) return { ok: false, code: 'validation', message: 'empty payload: expected a JSON envelope' };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { ok: false, code: 'validation', message: 'payload is not valid UTF-8' };
  }
  const depth = maxNesting(text);
  if (depth > limits.maxDepth)
    return { ok: false, code: 'validation', message: `JSON nesting deeper than ${limits.maxDepth} levels` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: 'validation', message: `malformed JSON: ${(e as Error).message}` };
  }
  const forbidden = mayHoldForbiddenKey(text) ? findForbiddenKey(value) : undefined;
  if (forbidden !== undefined)
    return {
      ok: false,
      code: 'validation',
      message: `forbidden key '${forbidden.key}' at ${forbidden.path}`,
      fields: [{ path: forbidden.path, message: `forbidden key '${forbidden.key}'` }],
    };
  return { ok: true, value };
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * False only when no parsed key can be a forbidden one: none of them appears quoted in the text,
 * and there is no `\u` escape (the only JSON escape that can spell a letter or '_'). Then the
 * walk over the parsed value is skipped; otherwise it decides.
 */
const mayHoldForbiddenKey = (text: string): boolean =>
  text.includes('\\u') || text.includes('"__proto__"') || text.includes('"constructor"') || text.includes('"prototype"');

/** Deepest bracket nesting of a JSON text, ignoring brackets inside strings. */
const maxNesting = (text: string): number => {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
};

/** First forbidden key in a parsed JSON value (iterative walk, so no recursion limit applies; the path is built only for a hit). */
const findForbiddenKey = (root: unknown): { key: string; path: string } | undefined => {
  type Node = { value: unknown; key: string; parent: Node | undefined };
  const pathOf = (n: Node | undefined): string => {
    const parts: string[] = [];
    for (let at = n; at?.parent !== undefined; at = at.parent) parts.push(at.key);
    return parts.reverse().join('.');
  };
  const stack: Node[] = [{ value: root, key: '', parent: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], key: String(i), parent: node });
      continue;
    }
    for (const key of Object.keys(value)) {
      const child: Node = { value: (value as Record<string, unknown>)[key], key, parent: node };
      if (FORBIDDEN_KEYS.has(key)) return { key, path: pathOf(child) };
      stack.push(child);
    }
  }
  return undefined;
};
