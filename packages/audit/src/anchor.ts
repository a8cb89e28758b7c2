import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { canonicalJson, type EventStore } from '@cs/event-store';
import { AuditError } from './errors.ts';

/** A stream head: the stream's version and the hash of its last event. */
export type StreamHead = { streamId: string; version: number; hash: string };

/** A head signed with the anchor key (HMAC-SHA256, hex) at `anchoredAt` (server time). */
export type SignedHead = StreamHead & { hmac: string; anchoredAt: string };

/** Where signed heads go after each append (JetStream, a file, memory). */
export interface AnchorSink {
  publish(head: SignedHead): Promise<void>;
}

/** Where the verifier reads a stream's anchored heads back from, oldest first. */
export interface AnchorSource {
  heads(streamId: string): Promise<SignedHead[]>;
}

/**
 * The message the HMAC covers: the RFC 8785 canonical JSON of `{streamId, version, hash}`
 * (keys sorted: `{"hash":…,"streamId":…,"version":…}`).
 *
 * @example
 * anchorMessage({ streamId: 'Complaint-1', version: 3, hash: 'ab…' });
 */
export const anchorMessage = (head: StreamHead): string =>
  canonicalJson({ streamId: head.streamId, version: head.version, hash: head.hash });

/**
 * Signs a stream head with the anchor key (which the database never holds).
 *
 * @example
 * const signed = signHead(key, { streamId, version: 3, hash }, new Date().toISOString());
 */
export const signHead = (key: string | Buffer, head: StreamHead, anchoredAt: string): SignedHead => ({
  streamId: head.streamId,
  version: head.version,
  hash: head.hash,
  hmac: createHmac('sha256', key).update(anchorMessage(head)).digest('hex'),
  anchoredAt,
});

/**
 * True when the head's HMAC was made with `key`.
 *
 * @example
 * if (!headSignatureValid(key, head)) console.log('forged anchor');
 */
export const headSignatureValid = (key: string | Buffer, head: SignedHead): boolean => {
  const expected = createHmac('sha256', key).update(anchorMessage(head)).digest();
  // Exactly the 64 lowercase hex digits signHead writes: Buffer.from(_, 'hex') stops at the first
  // other character, so 'valid hmac' + 'zz' decoded to the valid signature (the standalone check
  // in docs/auditors.md compares the text and refuses it).
  if (typeof head.hmac !== 'string' || !/^[0-9a-f]{64}$/.test(head.hmac)) return false;
  const given = Buffer.from(head.hmac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/**
 * Reads the anchor key from the environment (`AUDIT_HMAC_KEY`, at least 32 characters).
 *
 * @example
 * const key = anchorKeyFromEnv(process.env);
 */
export const anchorKeyFromEnv = (env: Record<string, string | undefined>): string => {
  const key = env.AUDIT_HMAC_KEY;
  if (!key) throw new AuditError('anchor_key_missing', 'AUDIT_HMAC_KEY is not set: stream heads cannot be signed or checked');
  if (key.length < 32) throw new AuditError('anchor_key_missing', 'AUDIT_HMAC_KEY must be at least 32 characters');
  return key;
};

/**
 * Signs the current head of `streamId` and publishes it; the command handler calls it after
 * each append (a failure here must not undo the append: log it and let `reanchor` catch up).
 *
 * @example
 * await anchorStreamHead({ store, sink, key, now: () => new Date().toISOString() }, 'Complaint-7');
 */
export const anchorStreamHead = async (
  deps: { store: Pick<EventStore, 'streamHead'>; sink: AnchorSink; key: string | Buffer; now: () => string },
  streamId: string,
): Promise<SignedHead | undefined> => {
  const head = await deps.store.streamHead(streamId);
  if (head.version === 0) return undefined;
  const signed = signHead(deps.key, { streamId, version: head.version, hash: head.hash }, deps.now());
  await deps.sink.publish(signed);
  return signed;
};

/**
 * An anchor sink and source in memory (tests, the embedded default).
 *
 * @example
 * const anchors = memoryAnchors();
 * await anchors.publish(signed); await anchors.heads('Complaint-1');
 */
export const memoryAnchors = (): AnchorSink & AnchorSource & { all: () => SignedHead[] } => {
  const list: SignedHead[] = [];
  return {
    publish: async (head) => {
      list.push({ ...head });
    },
    heads: async (streamId) => list.filter((h) => h.streamId === streamId).map((h) => ({ ...h })),
    all: () => list.map((h) => ({ ...h })),
  };
};

/**
 * An export file of signed heads, one JSON object per line (append-only); keep it on other
 * storage than the database (write-once bucket, another host).
 *
 * @example
 * const anchors = fileAnchors('/var/lib/cs/audit-heads.jsonl');
 */
export const fileAnchors = (path: string): AnchorSink & AnchorSource & { all: () => Promise<SignedHead[]> } => ({
  publish: async (head) => {
    await appendFile(path, `${JSON.stringify(head)}\n`, 'utf8');
  },
  heads: async (streamId) => (await readHeadsFile(path)).filter((h) => h.streamId === streamId),
  all: () => readHeadsFile(path),
});

const readHeadsFile = async (path: string): Promise<SignedHead[]> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw new AuditError('anchor_unavailable', `cannot read the anchor file ${path}: ${(e as Error).message}`);
  }
  const out: SignedHead[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let head: unknown;
    try {
      head = JSON.parse(line);
    } catch {
      // a torn last line (crash while appending) is skipped; the next head supersedes it
      continue;
    }
    // a line that is no object cannot be any stream's head (an object that is no genuine head
    // is kept: the verifier reports it as forged)
    if (typeof head === 'object' && head !== null && !Array.isArray(head)) out.push(head as SignedHead);
  }
  return out;
};

/**
 * Anchors the current head of every stream in the store (or those `include` keeps) that is
 * not anchored at its current version yet: the catch-up for stores written without
 * anchoring (the embedded `cs start`) or while the anchor sink was down, and a periodic
 * export of heads. Returns how many heads it published.
 *
 * @example
 * const file = fileAnchors('heads.jsonl');
 * const n = await anchorAllHeads({ store, sink: file, key, now, anchored: latestAnchored(await file.all()) });
 */
export const anchorAllHeads = async (deps: {
  store: Pick<EventStore, 'readAll'>;
  sink: AnchorSink;
  key: string | Buffer;
  now: () => string;
  /** the highest version already anchored per stream (skipped when unchanged) */
  anchored?: ReadonlyMap<string, number>;
  include?: (streamId: string) => boolean;
}): Promise<number> => {
  const heads = new Map<string, { version: number; hash: string }>();
  let after = '';
  for (;;) {
    const page = await deps.store.readAll({ after, limit: 1000, raw: true });
    for (const e of page.events) {
      if (deps.include && !deps.include(e.streamId)) continue;
      const h = heads.get(e.streamId);
      if (!h || e.streamVersion > h.version) heads.set(e.streamId, { version: e.streamVersion, hash: e.hash });
    }
    if (page.events.length === 0 || page.last === after) break;
    after = page.last;
  }
  let published = 0;
  for (const [streamId, h] of heads) {
    if ((deps.anchored?.get(streamId) ?? 0) >= h.version) continue;
    await deps.sink.publish(signHead(deps.key, { streamId, version: h.version, hash: h.hash }, deps.now()));
    published += 1;
  }
  return published;
};

/**
 * The highest anchored version per stream in a list of heads (genuine or not: the verifier
 * checks the HMACs).
 *
 * @example
 * const anchored = latestAnchored(await fileAnchors(path).all());
 */
export const latestAnchored = (heads: readonly SignedHead[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const h of heads) m.set(h.streamId, Math.max(m.get(h.streamId) ?? 0, h.version));
  return m;
};
