// Synthetic, correctly chained streams for the verifier's own unit tests (any stream shape,
// hashed with the event store's eventHash); the report tests use the real write path (history.ts).
import type { RecordedEvent } from '@cs/event-store';
import { recomputeHash, hashableOf, signHead, GENESIS_HASH, type SignedHead } from '../src/index.ts';

export const KEY = 'test-anchor-key-0123456789abcdef0123456789';

const iso = (base: number, minutes: number): string => new Date(base + minutes * 60_000).toISOString();

/** Re-chains events from index `from` on (what a forger who recomputes hashes would do). */
export const rechain = (events: RecordedEvent[], from = 0): RecordedEvent[] => {
  const out = events.map((e) => ({ ...e }));
  for (let i = from; i < out.length; i += 1) {
    const prev = i === 0 ? GENESIS_HASH : out[i - 1]!.hash;
    const e = { ...out[i]!, prevHash: prev };
    e.hash = recomputeHash(hashableOf(e));
    out[i] = e;
  }
  return out;
};

/** A correctly chained stream of `types.length` events, one minute apart. */
export const chainedStream = (
  streamId: string,
  types: { type: string; data: Record<string, unknown> }[],
  base = Date.parse('2024-05-01T08:00:00Z'),
): RecordedEvent[] =>
  rechain(
    types.map((t, i) => ({
      id: `${streamId}-e${i + 1}`,
      streamId,
      streamVersion: i + 1,
      position: String(1000 + i).padStart(12, '0'),
      type: t.type,
      schemaVersion: 1,
      storedSchemaVersion: 1,
      data: { ...t.data, occurredAt: iso(base, i * 60 - 30) },
      metadata: {
        commandId: `cmd-${i + 1}`,
        correlationId: 'corr-1',
        actor: { service: 'call-centre', person: `agent-${i % 3}` },
        occurredAt: iso(base, i * 60 - 30),
        recordedAt: iso(base, i * 60),
      },
      hash: '',
      prevHash: '',
    })),
  );

/** A signed head for every version (what anchoring after each append leaves). */
export const headsFor = (events: RecordedEvent[], key = KEY): SignedHead[] =>
  events.map((e) => signHead(key, { streamId: e.streamId, version: e.streamVersion, hash: e.hash }, e.metadata.recordedAt));
