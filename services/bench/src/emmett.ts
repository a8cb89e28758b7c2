// The peer: the same append and catch-up workload through Emmett's PostgreSQL event store
// (@event-driven-io/emmett-postgresql, a dev dependency of this package only).
import { concurrent, sequential, type Latency } from './measure.ts';
import { sampleEvent } from './sample.ts';

/** Emmett's figures; `error` says why they are missing when Emmett could not run. */
export type EmmettFigures =
  | {
      ok: true;
      sequential: Latency;
      inFlight32: Latency;
      batch100: Latency;
      /** Undefined when the consumer stopped well before it had delivered every event; `catchUpError` says when it stopped short. */
      catchUp?: { events: number; perSecond: number };
      catchUpError?: string;
    }
  | { ok: false; error: string };

const emmettEvent = (id: string) => {
  const e = sampleEvent(id);
  return { type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata as unknown as Record<string, unknown> };
};

/**
 * Emmett: single-event appends sequentially and 32 in flight, 100-event appends, then a
 * reactor consuming every message from the beginning until none are left (events per second).
 * Runs in its own database schema-less (Emmett's default tables) on a pool of 32 connections.
 *
 * @example
 * const peer = await emmettFigures(url, { sequential: 2000, inFlight: 4000, batches: 100, warmup: 1000 });
 */
export const emmettFigures = async (url: string, sizes: { sequential: number; inFlight: number; batches: number; warmup: number }): Promise<EmmettFigures> => {
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
  try {
    await store.schema.migrate();
    const one = (prefix: string) => (i: number) =>
      store.appendToStream(`Bench-emmett-${prefix}-${i}`, [emmettEvent(`${prefix}-${i}`)], { expectedStreamVersion: core.STREAM_DOES_NOT_EXIST });
    await Promise.all(Array.from({ length: 32 }, () => pool.query('SELECT 1')));
    const seq = await sequential(sizes.sequential, sizes.warmup, one('seq'));
    const inFlight32 = await concurrent(sizes.inFlight, 32, one('c32'));
    const b = await sequential(sizes.batches, 2, (i) =>
      store.appendToStream(
        `Bench-emmett-b100-${i}`,
        Array.from({ length: 100 }, (_, k) => emmettEvent(`b-${i}-${k}`)),
        { expectedStreamVersion: core.STREAM_DOES_NOT_EXIST },
      ),
    );
    const total = sizes.sequential + sizes.warmup + sizes.inFlight + (sizes.batches + 2) * 100;
    const appends = { sequential: seq, inFlight32, batch100: { ...b, perSecond: b.perSecond * 100, n: b.n * 100 } };
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
      if (seen >= total) return { ok: true, ...appends, catchUp: { events: seen, perSecond: (seen * 1000) / ms } };
      short.push(seen);
      if (!best || seen > best.events) best = { events: seen, perSecond: (seen * 1000) / ms };
      await new Promise((r) => setTimeout(r, 250 * attempt)); // let the older transaction end
    }
    const stopped = `Emmett's consumer stopped (no messages left) after ${short.join(', ')} of ${total} events in three attempts`;
    // A few events short of the same workload: its rate over what it delivered is reported, saying so.
    if (best && best.events >= total * 0.99) return { ok: true, ...appends, catchUp: best, catchUpError: `${stopped}; the rate is over the ${best.events} it delivered` };
    return { ok: true, ...appends, catchUpError: stopped };
  } catch (e) {
    return { ok: false, error: `Emmett failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
};
