// The peer: the same append and catch-up workload through Emmett's PostgreSQL event store
// (@event-driven-io/emmett-postgresql, a dev dependency of this package only).
import { concurrent, sequential, type Latency } from './measure.ts';
import { sampleEvent } from './sample.ts';

/** Emmett's appends in one round: single events sequentially and 32 in flight, 100-event batches (events per second). */
export type EmmettAppends = { sequential: Latency; inFlight32: Latency; batch100: Latency };

/** Emmett's catch-up; `error` says when its consumer stopped short of every event (then `catchUp` is the best attempt's rate if it got within 1 %, else absent). */
export type EmmettCatchUp = { catchUp?: { events: number; perSecond: number }; error?: string };

/** Emmett's event store on the bench database, or why it could not be opened. */
export type EmmettPeer =
  | {
      ok: true;
      /** One round of appends (streams tagged `tag`, so rounds do not collide). */
      appends: (sizes: { sequential: number; inFlight: number; batches: number; warmup: number }, tag: string) => Promise<EmmettAppends>;
      /** A reactor from the beginning until no messages are left, expecting `total` events. */
      catchUp: (total: number) => Promise<EmmettCatchUp>;
      close: () => Promise<void>;
    }
  | { ok: false; error: string };

const emmettEvent = (id: string) => {
  const e = sampleEvent(id);
  return { type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata as unknown as Record<string, unknown> };
};

/**
 * Opens Emmett's PostgreSQL event store (its default tables, on a pool of 32 connections), so
 * that its appends run in the same interleaved rounds as ours and its consumer catches up
 * once at the end. Every figure is the same workload as ours: the same event bytes.
 *
 * @example
 * const peer = await openEmmett(url);
 * if (peer.ok) { const a = await peer.appends({ sequential: 2000, inFlight: 3000, batches: 100, warmup: 1000 }, 'r1'); await peer.close(); }
 */
export const openEmmett = async (url: string): Promise<EmmettPeer> => {
  let mod: typeof import('@event-driven-io/emmett-postgresql');
  let core: typeof import('@event-driven-io/emmett');
  let pgMod: typeof import('pg');
  try {
    mod = await import('@event-driven-io/emmett-postgresql');
    core = await import('@event-driven-io/emmett');
    pgMod = await import('pg');
  } catch (e) {
    return { ok: false, error: `Emmett is not installed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const pool = new pgMod.default.Pool({ connectionString: url, max: 32 });
  pool.on('error', () => undefined);
  const store = mod.getPostgreSQLEventStore(url, { schema: { autoMigration: 'CreateOrUpdate' }, connectionOptions: { pool } });
  const close = async () => {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  };
  try {
    await store.schema.migrate();
    await Promise.all(Array.from({ length: 32 }, () => pool.query('SELECT 1')));
  } catch (e) {
    await close();
    return { ok: false, error: `Emmett failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const appends = async (sizes: { sequential: number; inFlight: number; batches: number; warmup: number }, tag: string): Promise<EmmettAppends> => {
    // Built before the timed calls, as ours are (each event object is used once).
    const built = (prefix: string, calls: number) => Array.from({ length: calls }, (_, i) => [emmettEvent(`${tag}-${prefix}-${i}`)]);
    const seqEvents = built('seq', sizes.sequential + sizes.warmup);
    const c32Events = built('c32', sizes.inFlight);
    const one = (prefix: string, events: ReturnType<typeof emmettEvent>[][]) => (i: number) =>
      store.appendToStream(`Bench-emmett-${tag}-${prefix}-${i}`, events[i]!, { expectedStreamVersion: core.STREAM_DOES_NOT_EXIST });
    const seq = await sequential(sizes.sequential, sizes.warmup, one('seq', seqEvents));
    const inFlight32 = await concurrent(sizes.inFlight, 32, one('c32', c32Events));
    const batches = Array.from({ length: sizes.batches + 2 }, (_, i) => Array.from({ length: 100 }, (_, k) => emmettEvent(`${tag}-b-${i}-${k}`)));
    const b = await sequential(sizes.batches, 2, (i) => store.appendToStream(`Bench-emmett-${tag}-b100-${i}`, batches[i]!, { expectedStreamVersion: core.STREAM_DOES_NOT_EXIST }));
    return { sequential: seq, inFlight32, batch100: { ...b, perSecond: b.perSecond * 100, n: b.n * 100 } };
  };
  const catchUp = async (total: number): Promise<EmmettCatchUp> => {
    // Its `noMessagesLeft` stop ends the catch-up at the first empty read, which its gapless
    // guard (the cluster-wide snapshot xmin) returns while any transaction anywhere on the
    // server is older than the last events. A rate over part of the events would not be the
    // same workload as ours, so an incomplete catch-up is run again from the beginning (a new
    // processor), up to three times, and otherwise not measured.
    const short: number[] = [];
    let best: { events: number; perSecond: number } | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      let seen = 0;
      const consumer = store.consumer({ stopWhen: { noMessagesLeft: true }, pulling: { batchSize: 500 } });
      consumer.reactor({ processorId: `bench-${process.pid}-${attempt}`, startFrom: 'BEGINNING', eachMessage: async () => void seen++ });
      const started = performance.now();
      await consumer.start();
      const ms = performance.now() - started;
      await consumer.close();
      if (seen >= total) return { catchUp: { events: seen, perSecond: (seen * 1000) / ms } };
      short.push(seen);
      if (!best || seen > best.events) best = { events: seen, perSecond: (seen * 1000) / ms };
      await new Promise((r) => setTimeout(r, 250 * attempt)); // let the older transaction end
    }
    const stopped = `Emmett's consumer stopped (no messages left) after ${short.join(', ')} of ${total} events in three attempts`;
    // A few events short of the same workload: its rate over what it delivered is reported, saying so.
    if (best && best.events >= total * 0.99) return { catchUp: best, error: `${stopped}; the rate is over the ${best.events} it delivered` };
    return { error: stopped };
  };
  return { ok: true, appends, catchUp, close };
};
