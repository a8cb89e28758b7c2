import { createCommandHandler, crossAggregateProcesses, requestFromEnvelope, type AnyAggregate } from '@cs/application';
import { aggregates, streamName } from '@cs/domain';
import { createPostgresEventStore, loadAggregate, type EventStore, type NewEvent } from '@cs/event-store';
import { natsConnectionOptionsFromEnv, sendCommand, startCommandService, type CatalogueEntry } from '@cs/messaging';
import { connect } from 'nats';
import pg from 'pg';
import { pino } from 'pino';
import type { z } from 'zod';
import { createHistoryWriter } from './history.ts';
import { concurrent, percentile, sequential, type Latency } from './measure.ts';
import { rawTableSql } from './baselines.ts';
import { placeOrderPayload, rawPayload, sampleEvent } from './sample.ts';

const catalogueOf = (list: readonly AnyAggregate[]): CatalogueEntry[] =>
  list.flatMap((a) =>
    Object.entries(a.commands as Record<string, { description: string; schema: z.ZodType }>).map(([type, def]) => ({ type, description: def.description, schema: def.schema })),
  );

/**
 * Event-store appends without NATS: single-event appends sequentially and 32 in flight (each
 * on a new stream), and 100-event appends (one stream each); events per second.
 *
 * @example
 * const a = await appendFigures(store, { sequential: 2000, inFlight: 4000, batches: 100, warmup: 1000 }, 'a');
 */
export const appendFigures = async (
  store: EventStore,
  sizes: { sequential: number; inFlight: number; batches: number; warmup: number },
  tag: string,
): Promise<{ sequential: Latency; inFlight32: Latency; batch100: Latency }> => {
  // The events are built before the timed calls, as the raw baselines' rows are: the figures
  // are the store's, not the caller's building of its input (~3 µs an event).
  const built = (prefix: string, calls: number) => Array.from({ length: calls }, (_, i) => [sampleEvent(`${prefix}-${i}`)]);
  const seqEvents = built('seq', sizes.sequential + sizes.warmup);
  const c32Events = built('c32', sizes.inFlight);
  const one = (prefix: string, events: NewEvent[][]) => (i: number) => store.append(`Bench-${tag}-${prefix}-${i}`, events[i]!, { expectedVersion: 'no_stream' });
  const seq = await sequential(sizes.sequential, sizes.warmup, one('seq', seqEvents));
  const inFlight32 = await concurrent(sizes.inFlight, 32, one('c32', c32Events));
  const batches: NewEvent[][] = Array.from({ length: sizes.batches + 2 }, (_, i) => Array.from({ length: 100 }, (_, k) => sampleEvent(`b-${i}-${k}`)));
  const hundred = (i: number) => store.append(`Bench-${tag}-b100-${i}`, batches[i]!, { expectedVersion: 'no_stream' });
  const b = await sequential(sizes.batches, 2, hundred);
  return { sequential: seq, inFlight32, batch100: { ...b, perSecond: b.perSecond * 100, n: b.n * 100 } };
};

type Handle = Parameters<typeof startCommandService>[1]['handle'];
type RoundTrip = { sequential: Latency; inFlight64: Latency; failures: number };

/**
 * `order.place` sent with `sendCommand` to a command service on NATS, as production wires both
 * ends, with `handle` behind it: sequentially (p50/p99) and, unless `inFlight` is 0, at 64 in
 * flight over distinct streams (commands per second).
 */
const placeOrders = async (natsUrl: string, handle: Handle, sizes: { sequential: number; inFlight: number; warmup: number; tag?: string }): Promise<RoundTrip> => {
  const log = pino({ level: 'silent' });
  // Both ends connect as the services do (the command handler's and a sender's options).
  const serverConn = await connect(natsConnectionOptionsFromEnv({ NATS_URL: natsUrl }));
  const clientConn = await connect(natsConnectionOptionsFromEnv({ NATS_URL: natsUrl }));
  const prefix = `bench${process.pid}${Math.random().toString(36).slice(2, 6)}.cmd`;
  const service = await startCommandService(serverConn, {
    name: 'cs-command-handler-bench',
    version: '0.1.0',
    catalogue: catalogueOf(aggregates),
    subjectPrefix: prefix,
    queue: `q-${prefix.replace(/\./g, '-')}`,
    logger: log,
    handle,
  });
  let failures = 0;
  const place = (tag: string) => async (i: number) => {
    const reply = await sendCommand(clientConn, { type: 'order.place', service: 'order-desk', payload: placeOrderPayload(`O-${tag}-${i}`), subjectPrefix: prefix, retries: 0, timeoutMs: 30_000 });
    if (!reply.ok) failures++;
  };
  try {
    const seq = await sequential(sizes.sequential, sizes.warmup, place(`${sizes.tag ?? ''}seq`));
    const inFlight64 = sizes.inFlight > 0 ? await concurrent(sizes.inFlight, 64, place(`${sizes.tag ?? ''}c64`)) : { p50: 0, p99: 0, perSecond: 0, n: 0 };
    return { sequential: seq, inFlight64, failures };
  } finally {
    await service.stop();
    await serverConn.close();
    await clientConn.close();
  }
};

/**
 * The command round trip over NATS as production wires it: a command service on NATS in front
 * of the application's command handler on the PostgreSQL store (pool of 20, as the command
 * handler's main). `order.place` sequentially (p50/p99) and at 64 in flight over distinct
 * streams (commands per second).
 *
 * @example
 * const rt = await commandRoundTrip(url, 'nats://127.0.0.1:4222', { sequential: 1000, inFlight: 5000, warmup: 1000 });
 */
export const commandRoundTrip = async (
  url: string,
  natsUrl: string,
  sizes: { sequential: number; inFlight: number; warmup: number; /** Makes the order ids unique when run more than once on a database. */ tag?: string },
): Promise<RoundTrip> => {
  const store = await createPostgresEventStore({ connectionString: url, schema: 'rt_store', max: 20 });
  const handler = createCommandHandler({ store, aggregates, processes: crossAggregateProcesses, log: pino({ level: 'silent' }) });
  try {
    return await placeOrders(
      natsUrl,
      (envelope, context) => handler.handle(requestFromEnvelope(envelope, context.service)),
      sizes,
    );
  } finally {
    await store.close();
  }
};

/**
 * The floor of any command round trip that commits once: the same command service and sender
 * as `commandRoundTrip`, with a handler that only runs the raw baseline's single-row insert +
 * commit (a named prepared statement into a table of the raw shape, made by a connection closed
 * before timing) and replies. Sequential only. What `commandRoundTrip` takes above it is ours
 * (validation, decide, the append with its hash chain and outcome); what it takes above
 * NATS RTT + raw commit is the two services' messaging and the processes taking turns on the cores.
 *
 * @example
 * const floor = await commitFloorRoundTrip(url, 'nats://127.0.0.1:4222', { sequential: 1000, warmup: 1000 });
 */
export const commitFloorRoundTrip = async (url: string, natsUrl: string, sizes: { sequential: number; warmup: number; tag?: string }): Promise<Latency> => {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(rawTableSql('raw_events_floor'));
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on('error', () => undefined);
  const payload = rawPayload('floor');
  const tag = `${sizes.tag ?? ''}-${Math.random().toString(36).slice(2, 8)}`;
  let n = 0;
  try {
    const { sequential: seq } = await placeOrders(
      natsUrl,
      async (envelope) => {
        const stream = `floor-${tag}-${n++}`;
        await pool.query({ name: 'raw-insert-floor', text: 'INSERT INTO raw_events_floor (stream_id, stream_version, payload) VALUES ($1, 1, $2::jsonb)', values: [stream, payload] });
        return { ok: true, commandId: envelope.commandId, streamId: stream, version: 1, eventTypes: ['OrderPlaced'], positions: [String(n)], duplicate: false };
      },
      { ...sizes, inFlight: 0 },
    );
    return seq;
  } finally {
    await pool.end();
  }
};

/**
 * Loading a customer account (snapshot + the events after it, as the command handler loads)
 * with a long and a short history. The histories are real CustomerAccount events (credit
 * reserved and released per order) decided by the domain, appended 100 at a time with a
 * snapshot after each hundred, as the handler does with its default `snapshotEvery` of 100.
 *
 * @example
 * const { short, long } = await aggregateLoad(store, { short: 100, long: 10_000, loads: 200 });
 */
export const aggregateLoad = async (
  store: EventStore,
  sizes: { short: number; long: number; loads: number },
): Promise<{ short: Latency; long: Latency }> => {
  const customer = aggregates.find((a) => a.category === 'CustomerAccount');
  if (!customer) throw new Error('the domain has no CustomerAccount aggregate');
  const open = await openCustomerPayload();
  const build = async (customerId: string, size: number) => {
    const writer = createHistoryWriter();
    const base = Date.parse('2026-01-05T00:00:00Z');
    const at = (k: number) => new Date(base + k * 60_000).toISOString();
    const commands: { type: string; payload: Record<string, unknown> }[] = [{ type: 'customer.open', payload: { ...open, customerId, occurredAt: at(0) } }];
    for (let k = 1; commands.length < size * 2; k += 2) {
      commands.push({ type: 'customer.reserveCredit', payload: { customerId, reservationId: `R-${k}`, amountFen: 1000, occurredAt: at(k) } });
      commands.push({ type: 'customer.releaseCredit', payload: { customerId, reservationId: `R-${k}`, reason: 'cancellation', occurredAt: at(k + 1) } });
    }
    const streamId = streamName('CustomerAccount', customerId);
    let pending: NewEvent[] = [];
    let version = 0;
    let snapshotVersion = 0;
    let state = customer.decider.initialState();
    for (const [n, c] of commands.entries()) {
      if (version + pending.length >= size) break;
      for (const p of writer.send({ commandId: `${customerId}-${n}`, type: c.type, payload: c.payload, service: 'order-desk', person: 'desk.wang', at: 0, partition: customerId }))
        pending.push(...p.events);
      if (pending.length >= 100 || version + pending.length >= size) {
        const take = pending.slice(0, Math.min(pending.length, size - version));
        await store.append(streamId, take, { expectedVersion: version === 0 ? 'no_stream' : version });
        for (const e of take) state = customer.decider.evolve(state, e);
        version += take.length;
        pending = [];
        // The command handler's rule: a snapshot once 100 events were appended since the last one.
        if (version - snapshotVersion >= 100) {
          await store.saveSnapshot({ streamId, version, schemaVersion: 1, state });
          snapshotVersion = version;
        }
      }
    }
    if (version !== size) throw new Error(`customer history of ${size} events: built ${version}`);
    return streamId;
  };
  const shortId = await build('C-short', sizes.short);
  const longId = await build('C-long', sizes.long);
  const load = (id: string) => () => loadAggregate(store, id, customer.decider.evolve, customer.decider.initialState(), { snapshotSchemaVersion: 1 });
  // Interleave so that both see the same machine state.
  const s1 = await sequential(sizes.loads, 20, load(shortId));
  const l1 = await sequential(sizes.loads, 20, load(longId));
  const s2 = await sequential(sizes.loads, 0, load(shortId));
  const l2 = await sequential(sizes.loads, 0, load(longId));
  const merge = (a: Latency, b: Latency): Latency => ({ p50: (a.p50 + b.p50) / 2, p99: Math.max(a.p99, b.p99), perSecond: (a.perSecond + b.perSecond) / 2, n: a.n + b.n });
  return { short: merge(s1, s2), long: merge(l1, l2) };
};

const openCustomerPayload = async (): Promise<Record<string, unknown>> => {
  const { simulate } = await import('@cs/simulator');
  for (const c of simulate({ customers: 1, days: 1, seed: 1 })) if (c.type === 'customer.open') return c.payload;
  throw new Error('the simulator opened no customer');
};

