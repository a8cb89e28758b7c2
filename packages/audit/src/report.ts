import { complaintNumberStream, type AggregateDefinition } from '@cs/domain';
import type { EventStore, RecordedEvent, Upcasters } from '@cs/event-store';
import { z } from 'zod';
import type { AccessLog, LoggedAccess } from './access-log.ts';
import type { AnchorSource, SignedHead } from './anchor.ts';
import { eventsAt, parseMoment, stateAt, type Moment } from './as-of.ts';
import { AuditError, isAuditError } from './errors.ts';
import { findComplaint, type ComplaintRef } from './find-complaint.ts';
import { handlingTimes, type HandlingTimes } from './handling-times.ts';
import { hashableOf, recomputeHash } from './hashing.ts';
import { buildTimeline, type TimelineEntry } from './timeline.ts';
import { verifyStream, type HashableEvent, type Verification } from './verify.ts';

/** One stream as the auditor sees it. */
export type StreamAudit = {
  streamId: string;
  timeline: TimelineEntry[];
  /** the state at the requested moment and the version it reflects */
  view: { moment: Moment; version: number; state: unknown; /** the event the state stops before, when the decider cannot fold it */ error?: string };
  verification: Verification;
  /** the events exactly as hashed, for independent verification (docs/auditors.md) */
  events: HashableEvent[];
  /** the signed heads used for the verification */
  heads: SignedHead[];
};

/** Everything `cs audit complaint` shows. */
export type ComplaintAudit = {
  format: 'cs-audit/1';
  complaint: ComplaintRef;
  generatedAt: string;
  access: LoggedAccess;
  handlingTimes: HandlingTimes;
  stream: StreamAudit;
  order: StreamAudit | null;
  returns: StreamAudit[];
  /**
   * The number's claim stream `ComplaintNumber-<number>`, through which the complaint is found by
   * its number (null when it has none: a store written before claims, or no number)
   */
  numberClaims: StreamAudit | null;
  /** true when every stream in the report verified */
  verified: boolean;
};

export type AuditAggregates = {
  complaint: AggregateDefinition<any, any, any>;
  order?: AggregateDefinition<any, any, any>;
  returnRequest?: AggregateDefinition<any, any, any>;
};

export type AuditDeps = {
  store: Pick<EventStore, 'readStream' | 'readAll'>;
  /** where anchored heads are read from; without it truncation and recomputation go unseen */
  anchors?: AnchorSource | undefined;
  /** AUDIT_HMAC_KEY; without it anchors cannot be checked */
  key?: string | undefined;
  accessLog: AccessLog;
  aggregates: AuditAggregates;
  now: () => string;
  /** the store's upcasters, applied to the raw events before folding (default: none) */
  upcasters?: Upcasters | undefined;
};

/** The request of an audit read (CLI flags and the NATS query's payload). */
export const auditRequestSchema = z.strictObject({
  complaint: z.string().min(1).max(200),
  asOf: z.string().optional(),
  at: z.union([z.number().int(), z.string()]).optional(),
  withOrder: z.boolean().optional(),
  reader: z.string().min(1).max(200),
});
export type AuditRequest = z.infer<typeof auditRequestSchema>;

const auditStream = async (
  deps: AuditDeps,
  streamId: string,
  decider: AggregateDefinition<any, any, any>['decider'] | undefined,
  moment: Moment,
): Promise<StreamAudit & { raw: RecordedEvent[] }> => {
  // RAW: the events exactly as stored and hashed (an upcasted event no longer matches its hash)
  const raw: RecordedEvent[] = await deps.store.readStream(streamId, { raw: true });
  const heads = deps.anchors ? await deps.anchors.heads(streamId) : [];
  const hashable = raw.map(hashableOf);
  const verification = verifyStream(streamId, hashable, heads, deps.key, recomputeHash);
  // the decider folds events of the schema it understands
  const readable = deps.upcasters ? raw.map((e) => deps.upcasters!.apply(e)) : raw;
  const prefix = eventsAt(readable, moment); // validates --at against this stream
  const version = prefix.length ? prefix[prefix.length - 1]!.streamVersion : 0;
  const view = { moment, ...(decider ? stateAt(decider, readable, moment) : { version, state: null }) };
  return { streamId, timeline: buildTimeline(readable), view, verification, events: hashable, heads, raw: readable };
};

const strip = ({ raw: _raw, ...s }: StreamAudit & { raw: RecordedEvent[] }): StreamAudit => s;

const linkedIds = (events: readonly { data: unknown }[], field: string): string[] => {
  const out = new Set<string>();
  for (const e of events) {
    const v = (e.data as Record<string, unknown> | null)?.[field];
    if (typeof v === 'string' && v) out.add(v);
  }
  return [...out];
};

/**
 * A complaint's full audit: timeline, state at a moment, handling times, verification (chain
 * and anchors), optionally the linked order and its returns; the read is logged first (no log,
 * no read). Unknown complaint -> `complaint_not_found`; bad options -> `invalid_argument`.
 *
 * @example
 * const audit = await auditComplaint(deps, { complaint: 'C-2024-000123', asOf: '2024-05-01T00:00:00Z', reader: 'li.wei' }, { via: 'cli', principal: 'auditor' });
 */
export const auditComplaint = async (
  deps: AuditDeps,
  input: unknown,
  door: { via: 'cli' | 'nats'; principal: string },
): Promise<ComplaintAudit> => {
  const parsed = auditRequestSchema.safeParse(input);
  if (!parsed.success)
    throw new AuditError('invalid_argument', `bad audit request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
  const req = parsed.data;
  const moment = parseMoment({ asOf: req.asOf, at: req.at });
  const ref = await findComplaint(deps.store, req.complaint).catch(async (e: unknown) => {
    // every event of the stream deleted: its heads anchored outside the database still name
    // it, and the verification below reports the deletion (not an unknown complaint)
    const id = req.complaint.trim();
    if (isAuditError(e) && e.code === 'complaint_not_found' && deps.anchors && (await deps.anchors.heads(`Complaint-${id}`)).length > 0)
      return { id, number: null, streamId: `Complaint-${id}` } satisfies ComplaintRef;
    throw e;
  });
  const access = await deps.accessLog.record({
    reader: req.reader,
    principal: door.principal,
    via: door.via,
    complaintId: ref.id,
    complaintNumber: ref.number,
    query: { complaint: req.complaint, asOf: req.asOf ?? null, at: req.at ?? null, withOrder: req.withOrder ?? false },
  });
  const full = await auditStream(deps, ref.streamId, deps.aggregates.complaint.decider, moment);
  // every event deleted but heads anchored: that is a verification failure to show, not 'unknown'
  if (full.raw.length === 0 && full.heads.length === 0) throw new AuditError('complaint_not_found', `complaint ${ref.id} has no events`);
  const all = full.raw;
  const stream = strip(full);
  let order: StreamAudit | null = null;
  const returns: StreamAudit[] = [];
  if (req.withOrder) {
    const orderId = linkedIds(all.slice(0, 1), 'orderId')[0] ?? linkedIds(all, 'orderId')[0];
    if (orderId) {
      // --as-of applies to the linked streams too; --at is a complaint version, so they show their latest
      const linked: Moment = moment.kind === 'asOf' ? moment : { kind: 'latest' };
      const o = await auditStream(deps, `Order-${orderId}`, deps.aggregates.order?.decider, linked);
      order = strip(o);
      for (const returnId of linkedIds(o.raw, 'returnId')) {
        // reservations taken directly on the order name a return id with no return stream
        const r = await auditStream(deps, `ReturnRequest-${returnId}`, deps.aggregates.returnRequest?.decider, linked);
        if (r.raw.length > 0 || r.heads.length > 0) returns.push(strip(r));
      }
    }
  }
  // the claim stream has no complaint version: --at shows its latest, --as-of applies
  const claimMoment: Moment = moment.kind === 'asOf' ? moment : { kind: 'latest' };
  const claims = ref.number !== null ? await auditStream(deps, complaintNumberStream(ref.number), undefined, claimMoment) : null;
  const numberClaims = claims && (claims.raw.length > 0 || claims.heads.length > 0) ? strip(claims) : null;
  const verified = [stream, ...(order ? [order] : []), ...returns, ...(numberClaims ? [numberClaims] : [])].every((s) => s.verification.ok);
  return {
    format: 'cs-audit/1',
    complaint: ref,
    generatedAt: deps.now(),
    access,
    // of the history the view shows: with --at / --as-of, a later step is not done yet
    handlingTimes: handlingTimes(eventsAt(all, moment)),
    stream,
    order,
    returns,
    numberClaims,
    verified,
  };
};
