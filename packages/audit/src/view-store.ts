import { metadataWanted, typeFilter, type EventStore, type ReadAllOptions, type ReadAllResult, type ReadStreamOptions, type RecordedEvent } from '@cs/event-store';
import type { SqlExecutor } from './access-log.ts';
import { AuditError } from './errors.ts';

type Row = {
  event_id: string;
  stream_id: string;
  stream_version: number | string;
  type: string;
  schema_version: number | string;
  data: string;
  metadata: string;
  hash: string;
  prev_hash: string;
  seq: string;
  tx: string;
};

// data and metadata as JSON text, parsed here once: every executor then gives the values as
// stored (a jsonb that IS a string stays a string; parsing the strings a driver returns again
// turned a stored '"{...}"' back into the object that was hashed, and hid the change)
const COLUMNS =
  'event_id::text AS event_id, stream_id, stream_version, type, schema_version, data::text AS data, metadata::text AS metadata, hash, prev_hash, global_seq::text AS seq, transaction_id::text AS tx';
const pad = (n: string): string => n.padStart(20, '0');
const json = (v: unknown): unknown => JSON.parse(v as string);

const toRecorded = (r: Row): RecordedEvent => ({
  id: r.event_id,
  streamId: r.stream_id,
  streamVersion: Number(r.stream_version),
  // the same position format as the SQL event store: `<transaction id>:<global seq>`
  position: `${pad(r.tx)}:${pad(r.seq)}`,
  type: r.type,
  schemaVersion: Number(r.schema_version),
  storedSchemaVersion: Number(r.schema_version),
  data: json(r.data),
  metadata: json(r.metadata) as RecordedEvent['metadata'],
  hash: r.hash,
  prevHash: r.prev_hash,
});

const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '42P01' || code === '3F000')
      throw new AuditError('audit_not_set_up', `${what}: the audit views are missing; apply the audit migration (cs audit setup) first`);
    if (code === '42501') throw new AuditError('forbidden', `${what}: permission denied (${(e as Error).message}); the login needs the auditor role`);
    throw e;
  }
};

/**
 * The events as the `auditor` role sees them: a read-only `readStream`/`readAll` over the
 * view `audit.events` (PostgreSQL or PGlite), returning the events exactly as stored (raw, as
 * hashed). This is what `cs audit` reads with DATABASE_URL, so an auditor's login needs no
 * right on the event store's own tables.
 *
 * @example
 * const store = auditViewStore(pool);
 * const events = await store.readStream('Complaint-7', { raw: true });
 */
export const auditViewStore = (db: SqlExecutor): Pick<EventStore, 'readStream' | 'readAll'> => ({
  readStream: async (streamId: string, o: ReadStreamOptions = {}): Promise<RecordedEvent[]> => {
    const { rows } = await wrap(`reading ${streamId}`, () =>
      db.query(
        `SELECT ${COLUMNS} FROM audit.events WHERE stream_id = $1 AND stream_version >= $2 AND stream_version <= $3 ORDER BY stream_version, global_seq`,
        [streamId, o.fromVersion ?? 1, Math.min(o.toVersion ?? 2_147_483_647, 2_147_483_647)],
      ),
    );
    return (rows as Row[]).map(toRecorded);
  },
  readAll: async (o: ReadAllOptions = {}): Promise<ReadAllResult> => {
    const types = typeFilter(o.types);
    metadataWanted(o.metadata); // checked; this store returns the metadata whole
    const m = /^(\d{20}):(\d{20})$/.exec(o.after ?? '');
    const [tx, seq] = m ? [BigInt(m[1]!).toString(), BigInt(m[2]!).toString()] : ['0', '0'];
    const { rows } = await wrap('reading audit.events', () =>
      db.query(
        `SELECT ${COLUMNS} FROM audit.events WHERE (transaction_id, global_seq) > ($1::xid8, $2::bigint) ORDER BY transaction_id, global_seq LIMIT $3`,
        [tx, seq, o.limit ?? 1000],
      ),
    );
    const page = (rows as Row[]).map(toRecorded);
    // `types`: the same window, only those types returned (filtered here: audits read little).
    const events = types ? page.filter((e) => types.has(e.type)) : page;
    return { events, last: page[page.length - 1]?.position ?? o.after ?? '', scanned: page.length };
  },
});
