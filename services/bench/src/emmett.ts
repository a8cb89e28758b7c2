// The peer: the same append and catch-up workload through Emmett's PostgreSQL event store
// (@event-driven-io/emmett-postgresql, a dev dependency of this package only).
import { concurrent, sequential, type Latency } from './measure.ts';
import { sampleEvent } from './sample.ts';

/** Emmett's appends in one round: single events sequentially and 32 in flight, 100-event batches (events per second). */
export type EmmettAppends = { sequential: Latency; inFlight32: Latency; batch100: Latency };

/**
 * Emmett's catch-up; `error` says when its consumer stopped short of every event, which events it
 * skipped and why (then `catchUp` is the best attempt's rate if it got within 1 %, else absent).
 */
export type EmmettCatchUp = { catchUp?: { events: number; perSecond: number; skipped?: number; twice?: number }; error?: string };

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
 * The events of Emmett's messages table a consumer did not deliver (`seen`, its positions):
 * their positions (ascending), how many belong to transactions not yet visible to every
 * snapshot (at or above the server's xmin), and the kinds of append they came from.
 */
const skippedByEmmett = async (pool: import('pg').Pool, seen: bigint[]): Promise<{ positions: string[]; pending: number; from: string }> => {
  const { rows } = await pool.query<{ position: string; stream_id: string; visible: boolean }>(
    `SELECT global_position::text AS position, stream_id, transaction_id < pg_snapshot_xmin(pg_current_snapshot()) AS visible
       FROM emt_messages WHERE NOT (global_position = ANY($1::bigint[])) ORDER BY global_position`,
    [seen.map(String)],
  );
  const kinds = new Map<string, number>();
  for (const r of rows) {
    const kind = r.stream_id.includes('-c32-') ? 'its 32-in-flight appends' : r.stream_id.includes('-b100-') ? 'its 100-event batches' : 'its sequential appends';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return {
    positions: rows.map((r) => r.position),
    pending: rows.filter((r) => !r.visible).length,
    from: [...kinds].map(([k, n]) => `${n} from ${k}`).join(', '),
  };
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
    // A reactor from the beginning until its `noMessagesLeft` stop, every delivered position
    // kept (pushed, checked after the timing). Short of `total`, the events it did not deliver
    // are looked up: those committed before the read began (their transaction below the
    // snapshot's xmin) were passed over for good; any still in progress (its guard holds back
    // events of transactions at or above the xmin of the whole server) get another attempt.
    let best: NonNullable<EmmettCatchUp['catchUp']> | undefined;
    const counts: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const seen: bigint[] = [];
      const consumer = store.consumer({ stopWhen: { noMessagesLeft: true }, pulling: { batchSize: 500 } });
      consumer.reactor({
        processorId: `bench-${process.pid}-${attempt}`,
        startFrom: 'BEGINNING',
        eachMessage: async (m: { metadata: { globalPosition: bigint } }) => void seen.push(m.metadata.globalPosition),
      });
      const started = performance.now();
      await consumer.start();
      const ms = performance.now() - started;
      await consumer.close();
      // Delivered events, counted once each: it may deliver one twice (below).
      const distinct = new Set(seen);
      const twice = seen.length - distinct.size;
      const rate = { events: distinct.size, perSecond: (distinct.size * 1000) / ms, skipped: Math.max(0, total - distinct.size), twice };
      const duplicates = twice > 0 ? `; it delivered ${twice} events twice, the same cause from the other side (the next batch, read from past that cursor, holds again the events of the batch before at higher positions)` : '';
      if (distinct.size >= total) return twice > 0 ? { catchUp: rate, error: `Emmett's consumer delivered every event${duplicates}` } : { catchUp: rate };
      counts.push(distinct.size);
      if (!best || distinct.size > best.events) best = rate;
      const missing = await skippedByEmmett(pool, [...distinct]);
      if (missing.positions.length === 0) return { error: `Emmett's table holds ${distinct.size} events, not the ${total} the bench appended` };
      if (missing.pending === 0) {
        // Every event it did not deliver had committed before it read: another attempt reads the same.
        const skipped =
          `Emmett's consumer skipped ${missing.positions.length} of the ${total.toLocaleString('en-US')} events (${counts.length === 1 ? '' : `in ${counts.length} attempts, `}${counts.map((n) => n.toLocaleString('en-US')).join(', ')} delivered), ` +
          `every one committed before its read began (${missing.from}), at positions ${missing.positions.slice(0, 3).join(', ')}${missing.positions.length > 3 ? ', ...' : ''}. ` +
          `Its cursor is the last global_position of a batch it reads ordered by transaction_id, so an event of a later transaction at a lower position than that is passed over ` +
          `(readMessagesBatch of 0.42.0; upstream moved to a (transaction id, position) checkpoint later, event-driven-io/emmett#336, not in 0.42.0, the newest release on the registry here)${duplicates}`;
        return best.events >= total * 0.99 ? { catchUp: best, error: `${skipped}; the rate is over the ${best.events.toLocaleString('en-US')} distinct events it delivered` } : { error: skipped };
      }
      await new Promise((r) => setTimeout(r, 250 * attempt)); // let the transaction in progress end
    }
    const stopped = `Emmett's consumer stopped (no messages left) after ${counts.join(', ')} of ${total} events in three attempts, with events of transactions still in progress`;
    if (best && best.events >= total * 0.99) return { catchUp: best, error: `${stopped}; the rate is over the ${best.events} it delivered` };
    return { error: stopped };
  };
  return { ok: true, appends, catchUp, close };
};
