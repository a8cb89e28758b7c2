// TEMPORARY stand-in until @cs/event-store's createPostgresEventStore lands: a minimal
// PostgreSQL-backed store (real PostgreSQL, append + readAll only) so the runtime tests run.
import type { EventStore, RecordedEvent } from '@cs/event-store';
import pg from 'pg';

const pad = (n: number | string): string => String(n).padStart(20, '0');

export const openStore = async (url: string): Promise<EventStore> => {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => undefined);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS es;
    CREATE TABLE IF NOT EXISTS es.events (seq bigserial PRIMARY KEY, id text NOT NULL, stream_id text NOT NULL,
      version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`);
  const notUsed = (what: string) => () => {
    throw new Error(`${what} is not part of the stand-in store`);
  };
  const toRecorded = (r: Record<string, any>): RecordedEvent => ({
    id: r.id,
    streamId: r.stream_id,
    streamVersion: r.version,
    position: pad(r.seq),
    type: r.type,
    schemaVersion: 1,
    storedSchemaVersion: 1,
    data: r.data,
    metadata: { ...r.metadata, recordedAt: new Date(r.recorded_at).toISOString() },
    hash: '',
    prevHash: '',
  });
  return {
    kind: 'postgres',
    append: async (streamId, events) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('LOCK TABLE es.events IN EXCLUSIVE MODE');
        const { rows } = await c.query('SELECT coalesce(max(version), 0)::int AS v FROM es.events WHERE stream_id = $1', [streamId]);
        let v = rows[0].v as number;
        const recorded: RecordedEvent[] = [];
        for (const e of events) {
          v += 1;
          const r = await c.query(
            'INSERT INTO es.events (id, stream_id, version, type, data, metadata) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *',
            [e.id ?? `${e.metadata.commandId}-${v}`, streamId, v, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)],
          );
          recorded.push(toRecorded(r.rows[0]));
        }
        await c.query('COMMIT');
        return { streamId, nextVersion: v, positions: recorded.map((r) => r.position), events: recorded };
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    readAll: async (options = {}) => {
      const after = options.after ? BigInt(options.after) : 0n;
      const { rows } = await pool.query('SELECT * FROM es.events WHERE seq > $1 ORDER BY seq LIMIT $2', [after.toString(), options.limit ?? 1000]);
      const events = rows.map(toRecorded);
      return { events, last: events.at(-1)?.position ?? options.after ?? '' };
    },
    readStream: notUsed('readStream'),
    streamHead: notUsed('streamHead'),
    subscribe: notUsed('subscribe'),
    findOutcome: notUsed('findOutcome'),
    saveOutcome: notUsed('saveOutcome'),
    saveSnapshot: notUsed('saveSnapshot'),
    loadSnapshot: notUsed('loadSnapshot'),
    close: async () => pool.end(),
  };
};
