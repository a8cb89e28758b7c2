import { createPostgresEventStore, START, type RecordedEvent } from '@cs/event-store';
import { createTestDatabase } from '@cs/testing';
import { figures, seeded, sleep, type Scenario } from '../support.ts';

const WRITERS = 32;
/** Events per append: one transaction carries this many (the figure is events, as in the issue). */
const PER_APPEND = 10;

/**
 * Gapless reading: 32 concurrent writers append `size` events each (in appends of 10, on 64
 * streams) to the PostgreSQL store while a live subscriber reads from the start; it must get
 * every committed event once, in global order, and each stream's versions without holes.
 *
 * @example
 * const result = await gapless.run(200, console.log);
 */
export const gapless: Scenario = {
  name: 'gapless reading',
  title: '32 concurrent writers with a live subscriber',
  sizes: { full: 10_000, short: 200 },
  run: async (size, log) => {
    const f = figures('gapless reading', `${WRITERS} writers x ${size} events`);
    const database = await createTestDatabase('rel_gapless');
    const store = await createPostgresEventStore({ connectionString: database.url, max: WRITERS + 4 });
    try {
      const received: RecordedEvent[] = [];
      const sub = store.subscribe({ from: START, pollMs: 5, batchSize: 2000, onEvent: (e) => void received.push(e) });
      const random = seeded(size);
      const committed: string[] = [];
      const appends = Math.ceil(size / PER_APPEND);
      let failedAppends = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < appends; i++) {
            const streamId = `Gap-${Math.floor(random() * 64)}`;
            const metadata = { commandId: `w${w}-${i}`, correlationId: 'gapless', actor: { service: 'reliability' }, occurredAt: '2026-01-05T00:00:00.000Z' };
            const n = Math.min(PER_APPEND, size - i * PER_APPEND);
            try {
              const r = await store.append(streamId, Array.from({ length: n }, (_, k) => ({ type: 'Tick', data: { w, i, k }, metadata })), { expectedVersion: 'any' });
              for (const e of r.events) committed.push(e.id);
            } catch (e) {
              failedAppends += 1;
              f.check(false, `writer ${w} append ${i} failed: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        }),
      );
      const writing = Date.now() - t0;
      const deadline = Date.now() + 120_000;
      while (received.length < committed.length && Date.now() < deadline) await sleep(20);
      await sleep(200); // a late duplicate would show up here
      await sub.stop();
      const ids = received.map((e) => e.id);
      const unique = new Set(ids);
      const committedSet = new Set(committed);
      const skipped = committed.filter((id) => !unique.has(id)).length;
      const duplicated = ids.length - unique.size;
      const foreign = [...unique].filter((id) => !committedSet.has(id)).length;
      let outOfOrder = 0;
      for (let i = 1; i < received.length; i++) if (!(received[i - 1]!.position < received[i]!.position)) outOfOrder += 1;
      const versions = new Map<string, number>();
      let holes = 0;
      for (const e of received) {
        if (e.streamVersion !== (versions.get(e.streamId) ?? 0) + 1) holes += 1;
        versions.set(e.streamId, e.streamVersion);
      }
      f.r.runs = 1;
      f.r.lost = skipped;
      f.r.duplicated = duplicated;
      f.check(committed.length === WRITERS * size, `${committed.length} events committed, expected ${WRITERS * size}`);
      f.check(foreign === 0, `${foreign} events received that no writer committed`);
      f.check(outOfOrder === 0, `${outOfOrder} events out of global order`);
      f.check(holes === 0, `${holes} stream version holes or repeats`);
      f.check(failedAppends === 0, `${failedAppends} appends failed`);
      f.note(`${committed.length} events committed by ${WRITERS} writers in ${(writing / 1000).toFixed(1)} s (${Math.round((committed.length / writing) * 1000)} events/s); subscriber received ${received.length}, skipped ${skipped}, duplicated ${duplicated}, out of order ${outOfOrder}`);
      log(`gapless: ${committed.length} committed, ${received.length} received`);
      return f.result();
    } finally {
      await store.close();
      await database.drop();
    }
  },
};
