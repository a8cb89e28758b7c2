import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { concurrent, sequential, type Latency } from './measure.ts';
import { prepareEventsJson, ZERO_HASH } from '@cs/event-store';
import { rawPayload, sampleEvent } from './sample.ts';

/** Sizes of the raw baselines. */
export type BaselineSizes = {
  natsSequential: number;
  natsInFlight: number;
  pgSequential: number;
  pgConcurrent: number;
  multiRowStatements: number;
  /** Untimed calls before every sequential latency figure (ours, raw and the peer's alike): a running service is warm. */
  warmup: number;
};

/** The raw figures every ratio of ours is taken against. */
export type Baselines = {
  natsRtt: Latency;
  natsThroughput64: Latency;
  pgInsertSequential: Latency;
  pgInsert32: Latency;
  pgInsert64: Latency;
  /** Rows per second, 100 rows per statement (each committed). */
  pgMultiRow100: Latency;
  /** Rows per second, 1,000 rows per statement (each committed). */
  pgMultiRow1000: Latency;
};

/**
 * A raw baseline table: the event store's shape reduced to what the issue names (a jsonb
 * payload, a unique (stream, version)).
 *
 * @example
 * await client.query(rawTableSql('raw_events'));
 */
export const rawTableSql = (name: string): string => `CREATE TABLE IF NOT EXISTS ${name} (
  id bigserial PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version int NOT NULL,
  payload jsonb NOT NULL,
  CONSTRAINT ${name}_stream_version_key UNIQUE (stream_id, stream_version))`;
const RAW_TABLE = rawTableSql('raw_events');
/** The same shape for the multi-row baselines (see postgresBaseline). */
const RAW_MULTI_TABLE = rawTableSql('raw_events_multi');

/**
 * Raw NATS request/reply to an echo responder on its own subject: sequential p50/p99 and
 * requests per second at 64 in flight.
 *
 * @example
 * const { rtt, throughput } = await natsBaseline('nats://127.0.0.1:4222', sizes);
 */
export const natsBaseline = async (natsUrl: string, sizes: BaselineSizes): Promise<{ rtt: Latency; throughput: Latency }> => {
  // Without per-request async stack traces, as our own connections run (the floor is not made slower than ours).
  const responder: NatsConnection = await connect({ servers: natsUrl, noAsyncTraces: true });
  const client: NatsConnection = await connect({ servers: natsUrl, noAsyncTraces: true });
  const subject = `bench.echo.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const sub = responder.subscribe(subject, { callback: (_err, msg) => msg.respond(msg.data) });
  await responder.flush();
  const body = new TextEncoder().encode(rawPayload('echo'));
  try {
    const rtt = await sequential(sizes.natsSequential, sizes.warmup, () => client.request(subject, body, { timeout: 5000 }));
    const throughput = await concurrent(sizes.natsInFlight, 64, () => client.request(subject, body, { timeout: 5000 }));
    return { rtt, throughput };
  } finally {
    sub.unsubscribe();
    await client.close();
    await responder.close();
  }
};

/**
 * Raw PostgreSQL: single-row INSERT + commit (autocommit, one round trip) sequentially and from
 * 32 and 64 connections, and multi-row inserts of 100 and 1,000 rows per committed statement,
 * into a table of the event store's shape (jsonb payload, unique (stream, version)). The
 * multi-row inserts have a table of their own: into the table 64 connections had just filled
 * with single rows, the same statements ran 2-3x slower on a two-core host (2026-12-03: 6-7
 * against 2.5-3 ms for 100 rows, back to the fast case after a VACUUM of that table), which
 * would make the floor the slow case.
 *
 * @example
 * const raw = await postgresBaseline(url, sizes);
 */
export const postgresBaseline = async (url: string, sizes: BaselineSizes): Promise<Omit<Baselines, 'natsRtt' | 'natsThroughput64'>> => {
  // The tables are made and emptied by a connection of their own, closed before any timed
  // statement: on the same host, 100-row inserts ran 2.5x slower (7.6 against 3.1 ms) from the
  // backend that had created the table than from any other.
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(RAW_TABLE);
    await setup.query(RAW_MULTI_TABLE);
    await setup.query('TRUNCATE raw_events, raw_events_multi');
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 64 });
  pool.on('error', () => undefined);
  try {
    const payload = rawPayload('raw');
    // Named prepared statements, as the store sends its append call: parsed once per connection
    // (a 1,000-row VALUES list of 3,000 parameters took ~45 ms to parse unnamed, each time, on a
    // two-core host: 16,000 against 61,000 rows/s), the statement text built before timing.
    const insert = (stream: string) =>
      pool.query({ name: 'raw-insert', text: 'INSERT INTO raw_events (stream_id, stream_version, payload) VALUES ($1, 1, $2::jsonb)', values: [stream, payload] });
    // Open every connection first so connection setup is not timed.
    await Promise.all(Array.from({ length: 64 }, () => pool.query('SELECT 1')));
    const pgInsertSequential = await sequential(sizes.pgSequential, sizes.warmup, (i) => insert(`seq-${i}`));
    const pgInsert32 = await concurrent(sizes.pgConcurrent, 32, (i) => insert(`c32-${i}`));
    const pgInsert64 = await concurrent(sizes.pgConcurrent, 64, (i) => insert(`c64-${i}`));
    const multi = (rows: number, tag: string) => {
      const text = `INSERT INTO raw_events_multi (stream_id, stream_version, payload) VALUES ${Array.from({ length: rows }, (_, r) => `($${r * 3 + 1}, $${r * 3 + 2}, $${r * 3 + 3}::jsonb)`).join(', ')}`;
      return (i: number) => {
        const params: unknown[] = [];
        for (let r = 0; r < rows; r++) params.push(`${tag}-${i}`, r + 1, payload);
        return pool.query({ name: `raw-multi-${rows}`, text, values: params });
      };
    };
    const pgMultiRow100 = await sequential(sizes.multiRowStatements * 10, 2, multi(100, 'm100'));
    const pgMultiRow1000 = await sequential(sizes.multiRowStatements, 2, multi(1000, 'm1000'));
    return {
      pgInsertSequential,
      pgInsert32,
      pgInsert64,
      pgMultiRow100: { ...pgMultiRow100, perSecond: pgMultiRow100.perSecond * 100, n: pgMultiRow100.n * 100 },
      pgMultiRow1000: { ...pgMultiRow1000, perSecond: pgMultiRow1000.perSecond * 1000, n: pgMultiRow1000.n * 1000 },
    };
  } finally {
    await pool.end();
  }
};

/**
 * Raw keyset read of a large table: pages of `pageSize` rows ordered by the primary key,
 * each page starting after the last key of the previous one. Returns rows per second.
 *
 * @example
 * const rate = await keysetReadRate(url, 'event_store.events', 'global_seq', 1000);
 */
export const keysetReadRate = async (url: string, table: string, key: string, pageSize: number): Promise<{ rows: number; perSecond: number }> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A named prepared statement, as the inserts (see postgresBaseline).
    const text = `SELECT * FROM ${table} WHERE ${key} > $1 ORDER BY ${key} LIMIT ${pageSize}`;
    let after = '0';
    let rows = 0;
    const started = performance.now();
    for (;;) {
      const r = await client.query({ name: 'raw-keyset', text, values: [after] });
      if (r.rows.length === 0) break;
      rows += r.rows.length;
      after = String((r.rows[r.rows.length - 1] as Record<string, unknown>)[key]);
    }
    return { rows, perSecond: (rows * 1000) / (performance.now() - started) };
  } finally {
    await client.end();
  }
};

/** The columns a raw statement gives a row of the events table's full shape (the rest take their defaults). */
const FULL_COLUMNS = '(event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)';
const fullRow = (r: number): string => `($${r * 10 + 1}::uuid, $${r * 10 + 2}, $${r * 10 + 3}, $${r * 10 + 4}, $${r * 10 + 5}, $${r * 10 + 6}::jsonb, $${r * 10 + 7}::jsonb, $${r * 10 + 8}::timestamptz, $${r * 10 + 9}, $${r * 10 + 10})`;

/**
 * A reference, not a goal's baseline: the raw inserts + commits again, sequentially and 100 rows
 * per statement, into a table of the event store's full `events` shape (every column, index and
 * constraint of `<schema>.events`, copied with LIKE: ten columns, two jsonb, four indexes, a
 * random uuid among them), with the rows our append stores (ids, hash chain and canonical JSON
 * prepared before timing). What our appends take above it is the store's own work (the locks,
 * the head row, the plpgsql call, the event's preparation); what it takes above the goals'
 * baselines is the shape that event ids, positions and the hash chain need.
 *
 * @example
 * const full = await fullShapeReference(url, 'append_store', sizes);
 */
export const fullShapeReference = async (url: string, schema: string, sizes: BaselineSizes & { batches: number }): Promise<{ sequential: Latency; batch100: Latency }> => {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(`DROP TABLE IF EXISTS raw_events_full`);
    // Defaults excluded (the events' global_seq would share the store's sequence), then a sequence and the xid of its own.
    await setup.query(`CREATE TABLE raw_events_full (LIKE ${schema}.events INCLUDING ALL EXCLUDING DEFAULTS)`);
    await setup.query(`ALTER TABLE raw_events_full ALTER COLUMN global_seq ADD GENERATED ALWAYS AS IDENTITY, ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id()`);
  } finally {
    await setup.end();
  }
  const recordedAt = new Date().toISOString();
  const rowsOf = (streamId: string, count: number): unknown[] => {
    const { events, data, metadata } = prepareEventsJson(streamId, Array.from({ length: count }, (_, k) => sampleEvent(`${streamId}-${k}`)), { version: 0, hash: ZERO_HASH }, recordedAt);
    return events.flatMap((e, k) => [e.id, streamId, e.streamVersion, e.type, e.storedSchemaVersion, data[k], metadata[k], recordedAt, e.hash, e.prevHash]);
  };
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  try {
    const tag = Math.random().toString(36).slice(2, 8);
    const singles = Array.from({ length: sizes.pgSequential + sizes.warmup }, (_, i) => rowsOf(`full-${tag}-s-${i}`, 1));
    const single = `INSERT INTO raw_events_full ${FULL_COLUMNS} VALUES ${fullRow(0)}`;
    const sequentialFull = await sequential(sizes.pgSequential, sizes.warmup, (i) => pool.query({ name: 'raw-full-1', text: single, values: singles[i]! }));
    const hundreds = Array.from({ length: sizes.batches + 2 }, (_, i) => rowsOf(`full-${tag}-b-${i}`, 100));
    const hundred = `INSERT INTO raw_events_full ${FULL_COLUMNS} VALUES ${Array.from({ length: 100 }, (_, r) => fullRow(r)).join(', ')}`;
    const batch = await sequential(sizes.batches, 2, (i) => pool.query({ name: 'raw-full-100', text: hundred, values: hundreds[i]! }));
    return { sequential: sequentialFull, batch100: { ...batch, perSecond: batch.perSecond * 100, n: batch.n * 100 } };
  } finally {
    await pool.end();
  }
};
