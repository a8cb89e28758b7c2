// The projector of the rebuild figure, in its own process so that its RSS is the projector's
// alone: runs the KPI projection from the start of the store until caught up, and prints one
// JSON line: events read, milliseconds (and of them in the settle), RSS samples at the
// requested event counts, and the RSS peaks of the first and the last window of that many events.
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { kpiProjection } from '@cs/projection-kpi';
import { createProjectionRuntime, type Projection } from '@cs/projection-runtime';
import { createReadModelDatabase } from '@cs/read-model';

const args = JSON.parse(process.argv[2] ?? '{}') as { url: string; schema: string; rssAt: number[]; batchSize: number };
/** A lag-probe size no batch uses, so the counter below can tell the probe's reads apart. */
const LAG_PROBE_LIMIT = 10_007;
const store = await createPostgresEventStore({ connectionString: args.url, schema: args.schema, max: 4 });
const db = createReadModelDatabase<any>({ kind: 'postgres', url: args.url, max: 4, applicationName: 'bench-projector' });
/** Bytes as MB with one decimal. */
const toMb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const mb = () => toMb(process.memoryUsage.rss());
let read = 0;
const pending = [...args.rssAt].sort((a, b) => a - b);
const rss: { events: number; rssMb: number }[] = [];
// The RSS every 50 ms with the events read by then: the heap saw-tooths with V8's collections,
// so flatness is judged by the peaks of windows (see below), not by two point samples.
const trace: [events: number, rssMb: number][] = [[0, mb()]];
const sampler = setInterval(() => trace.push([read, mb()]), 50);
// What the projector keeps: the heap in use right after a full collection (the child runs with
// --expose-gc), at the first requested count and at the end. Each collection costs ~50 ms of the
// measured time. Unlike the RSS it does not move with the collector's timing or the allocator.
const gc = (globalThis as { gc?: () => void }).gc;
const liveHeapMb = (): number | null => (gc ? (gc(), toMb(process.memoryUsage().heapUsed)) : null);
const liveHeap: { events: number; heapMb: number | null }[] = [];
// Counts what the runtime reads and samples the RSS when a requested count is passed.
const counting: EventStore = Object.assign(Object.create(store) as EventStore, {
  readAll: async (o?: Parameters<EventStore['readAll']>[0]) => {
    const page = await store.readAll(o);
    if (o?.limit === LAG_PROBE_LIMIT) return page; // the lag probe, not the batch loop
    read += page.scanned; // every event the page covered (the runtime asks for the projection's types only)
    while (pending.length > 0 && read >= pending[0]!) {
      const events = pending.shift()!;
      rss.push({ events, rssMb: mb() });
      if (liveHeap.length === 0) liveHeap.push({ events, heapMb: liveHeapMb() });
    }
    return page;
  },
});
const started = performance.now();
const cpuStart = process.cpuUsage();
// The time spent in the projection's settle (the recompute of the fact rows and totals once the
// replay ends), so the run can say how the rebuild splits between replay and settle.
let settleMs = 0;
const timed: Projection = {
  ...kpiProjection,
  settle: async (ctx) => {
    const t = performance.now();
    try {
      await kpiProjection.settle!(ctx);
    } finally {
      settleMs += performance.now() - t;
    }
  },
};
// As services/projector runs it: live batches of `batchSize`, the runtime's default catch-up
// batches read ahead of the one applied.
const runtime = createProjectionRuntime({
  db,
  store: counting,
  projections: [timed],
  batchSize: args.batchSize,
  // As the projector's default: the settle's recompute on two more backends (the pool of 4
  // holds the settle, its two helpers and the lease renewal).
  settleHelpers: 2,
  pollMs: 50,
  lagProbeMs: 60_000,
  lagProbeLimit: LAG_PROBE_LIMIT,
});
await runtime.caughtUp();
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
const finalRssMb = mb();
trace.push([read, finalRssMb]);
liveHeap.push({ events: read, heapMb: liveHeapMb() });
await runtime.stop();
clearInterval(sampler);
// Peaks over the first window of the smallest `rssAt` events (from the start) and over the last window of
// as many (to the end, the settle included).
const window = args.rssAt.length > 0 ? Math.min(...args.rssAt) : read;
const peak = (keep: (events: number) => boolean) => trace.reduce((m, [e, v]) => (keep(e) ? Math.max(m, v) : m), 0);
const earlyPeakMb = peak((e) => e <= window);
const latePeakMb = peak((e) => e >= read - window);
const maxRssMb = peak(() => true);
await db.destroy();
await store.close();
process.stdout.write(`${JSON.stringify({ events: read, ms, settleMs, rss, finalRssMb, maxRssMb, earlyPeakMb, latePeakMb, samples: trace.length, liveHeap, cpuMs })}\n`);
