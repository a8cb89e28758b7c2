// The projector of the rebuild figure, in its own process so that its RSS is the projector's
// alone: runs the KPI projection from the start of the store until caught up, and prints one
// JSON line: events read, milliseconds (and of them in the settle), and RSS samples at the
// requested event counts.
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { kpiProjection } from '@cs/projection-kpi';
import { createProjectionRuntime, type Projection } from '@cs/projection-runtime';
import { createReadModelDatabase } from '@cs/read-model';

const args = JSON.parse(process.argv[2] ?? '{}') as { url: string; schema: string; rssAt: number[]; batchSize: number };
/** A lag-probe size no batch uses, so the counter below can tell the probe's reads apart. */
const LAG_PROBE_LIMIT = 10_007;
const store = await createPostgresEventStore({ connectionString: args.url, schema: args.schema, max: 4 });
const db = createReadModelDatabase<any>({ kind: 'postgres', url: args.url, max: 4, applicationName: 'bench-projector' });
const mb = () => Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
let read = 0;
const pending = [...args.rssAt].sort((a, b) => a - b);
const rss: { events: number; rssMb: number }[] = [];
let maxRssMb = mb();
const sampler = setInterval(() => {
  maxRssMb = Math.max(maxRssMb, mb());
}, 250);
// Counts what the runtime reads and samples the RSS when a requested count is passed.
const counting: EventStore = Object.assign(Object.create(store) as EventStore, {
  readAll: async (o?: Parameters<EventStore['readAll']>[0]) => {
    const page = await store.readAll(o);
    if (o?.limit === LAG_PROBE_LIMIT) return page; // the lag probe, not the batch loop
    read += page.scanned; // every event the page covered (the runtime asks for the projection's types only)
    while (pending.length > 0 && read >= pending[0]!) rss.push({ events: pending.shift()!, rssMb: mb() });
    return page;
  },
});
const started = performance.now();
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
const finalRssMb = mb();
await runtime.stop();
clearInterval(sampler);
await db.destroy();
await store.close();
process.stdout.write(`${JSON.stringify({ events: read, ms, settleMs, rss, finalRssMb, maxRssMb: Math.max(maxRssMb, finalRssMb) })}\n`);
