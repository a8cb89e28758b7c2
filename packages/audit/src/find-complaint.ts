import type { EventStore, RecordedEvent } from '@cs/event-store';
import { claimInForce, complaintNumberStream, isStaleClaim } from '@cs/domain';
import { AuditError } from './errors.ts';

/** A complaint located by number or id. */
export type ComplaintRef = { id: string; number: string | null; streamId: string };

const readOrEmpty = async (store: Pick<EventStore, 'readStream'>, streamId: string, options?: { toVersion: number }): Promise<RecordedEvent[]> => {
  try {
    return await (options ? store.readStream(streamId, options) : store.readStream(streamId));
  } catch (e) {
    if ((e as { code?: string }).code === 'not_found' || /not ?found/i.test((e as Error).message)) return [];
    throw e;
  }
};

const numberOf = (data: unknown): string | null => {
  const d = (data ?? {}) as Record<string, unknown>;
  const n = d.complaintNumber ?? d.number;
  return typeof n === 'string' ? n : null;
};

const idOf = (data: unknown): string | null => {
  const d = (data ?? {}) as Record<string, unknown>;
  return typeof d.complaintId === 'string' ? d.complaintId : null;
};

/**
 * The complaint id holding `number` on its claim stream `ComplaintNumber-<number>`: the stream's
 * last event when that is a `ComplaintNumberClaimed` (a `ComplaintNumberReleased` after a claim
 * frees the number; an earlier claim may have been released), and only if that complaint was
 * not received with ANOTHER number (a claim left by a lost race whose release never happened).
 * A claim of a complaint with no `ComplaintReceived` yet still names it.
 */
const claimHolder = async (store: Pick<EventStore, 'readStream'>, number: string): Promise<{ id: string; received: boolean } | null> => {
  const held = claimInForce(await readOrEmpty(store, complaintNumberStream(number)));
  if (!held || held.complaintId === '') return null;
  // ComplaintReceived is a complaint's first event
  const received = (await readOrEmpty(store, `Complaint-${held.complaintId}`, { toVersion: 1 })).find((e) => e.type === 'ComplaintReceived');
  const carried = received ? numberOf(received.data) : null;
  return isStaleClaim(number, carried ?? undefined) ? null : { id: held.complaintId, received: received !== undefined };
};

/**
 * Finds a complaint by its number or its id, on any event store: first the claim in force on
 * the number's claim stream `ComplaintNumber-<number>` (written before `ComplaintReceived`; see
 * `claimHolder`), then the stream `Complaint-<id>`, and only when neither finds it a scan of
 * the global order for a `ComplaintReceived` with that number (stores written before number
 * claims existed, or a number whose claims were all released: none then; bounded by
 * `scanLimit` events; a claim naming a complaint with no `ComplaintReceived` is taken only when
 * the scan finds none either). Unknown -> `complaint_not_found`.
 *
 * @example
 * const { id, streamId } = await findComplaint(store, 'C-2024-000123');
 */
export const findComplaint = async (
  store: Pick<EventStore, 'readStream' | 'readAll'>,
  ref: string,
  options: { scanLimit?: number } = {},
): Promise<ComplaintRef> => {
  const key = ref.trim();
  if (key === '' || key.length > 200 || /[\s\u0000-\u001f]/.test(key))
    throw new AuditError('invalid_argument', `'${ref}' is not a complaint number or id`);
  const claim = await claimHolder(store, key);
  if (claim?.received) {
    // ids are chosen by the sending service: one may be another complaint's number
    const other = claim.id === key ? [] : await readOrEmpty(store, `Complaint-${key}`, { toVersion: 1 });
    if (other.length > 0) {
      const otherNumber = numberOf(other[0]!.data);
      throw new AuditError(
        'invalid_argument',
        `'${key}' is the number of complaint ${claim.id} and the id of another complaint${otherNumber ? ` (number ${otherNumber})` : ''}: give the id ${claim.id}${otherNumber ? ` or the number ${otherNumber}` : ''}`,
        { ref: key },
      );
    }
    return { id: claim.id, number: key, streamId: `Complaint-${claim.id}` };
  }
  // a claim naming a complaint not received (yet, or a claim stream rewritten to name one that
  // does not exist): a complaint whose ComplaintReceived carries the number comes first

  const byId = await readOrEmpty(store, `Complaint-${key}`);
  if (byId.length > 0) {
    const received = byId.find((e) => e.type === 'ComplaintReceived');
    return { id: key, number: received ? numberOf(received.data) : null, streamId: `Complaint-${key}` };
  }

  const limit = options.scanLimit ?? 1_000_000;
  let after = '';
  let seen = 0;
  while (seen < limit) {
    const page = await store.readAll({ after, limit: 1000, types: ['ComplaintReceived'] });
    for (const e of page.events) {
      if (e.type === 'ComplaintReceived' && numberOf(e.data) === key) {
        const id = idOf(e.data) ?? e.streamId.slice('Complaint-'.length);
        return { id, number: key, streamId: e.streamId };
      }
    }
    seen += page.scanned;
    if (page.scanned === 0 || page.last === after) break;
    after = page.last;
  }
  if (claim) return { id: claim.id, number: key, streamId: `Complaint-${claim.id}` };
  throw new AuditError('complaint_not_found', `no complaint with number or id '${key}'`, { ref: key });
};

/** A complaint as listed for an auditor choosing what to read. */
export type ComplaintListing = { number: string | null; id: string; streamId: string; receivedAt: string | null };

/**
 * The most recent complaints (by recording order), newest first: a scan of the global order
 * for `ComplaintReceived` (bounded by `scanLimit` events).
 *
 * @example
 * for (const c of await listComplaints(store, { limit: 20 })) console.log(c.number, c.id);
 */
export const listComplaints = async (
  store: Pick<EventStore, 'readAll'>,
  options: { limit?: number; scanLimit?: number } = {},
): Promise<ComplaintListing[]> => {
  const limit = options.limit ?? 20;
  const scanLimit = options.scanLimit ?? 1_000_000;
  const found: ComplaintListing[] = [];
  let after = '';
  let seen = 0;
  while (seen < scanLimit) {
    const page = await store.readAll({ after, limit: 1000, raw: true, types: ['ComplaintReceived'] });
    for (const e of page.events)
      if (e.type === 'ComplaintReceived')
        found.push({ number: numberOf(e.data), id: idOf(e.data) ?? e.streamId.slice('Complaint-'.length), streamId: e.streamId, receivedAt: (e.metadata as { occurredAt?: string } | null)?.occurredAt ?? null });
    seen += page.scanned;
    if (page.scanned === 0 || page.last === after) break;
    after = page.last;
  }
  return found.slice(-limit).reverse();
};
