import type { Kysely } from 'kysely';
import type { KpiDatabase } from './database.ts';
import { type EventReader, type KpiEvent, reader } from './event-data.ts';
import { safeIdentifier } from '@cs/read-model';
import { customerAttributeChanges, handleCompanyRecord, isCompanyRecord, surveyAnswerRows } from './company-records.ts';
import { type ColumnSpec, type Merge, mergedTable, type MergedTable, runTogether, type TableSpec } from './merged-writes.ts';

// Every write is an upsert keyed by the subject's id (or the event id), so applying an event
// twice leaves the same rows: the runtime's exactly-once per batch is not relied upon.

type Db = Kysely<KpiDatabase>;

const ts = 'timestamptz';
const col = (name: string, type: string, merge: Merge = 'set', absent?: string): ColumnSpec => ({ name, type, merge, ...(absent === undefined ? {} : { absent }) });
const text = { type: 'text' } as const;

/** The fact tables written through merged writes, with how each column combines (see merged-writes.ts). */
const specs = {
  orders: {
    table: 'order_facts',
    key: [{ name: 'order_id', ...text }],
    columns: [
      col('customer_id', 'text', 'insert'),
      ...['placed_at', 'promised_dispatch_at', 'promised_delivery_at', 'accepted_at', 'rejected_at', 'cancelled_at', 'prepared_at', 'dispatched_at', 'delivered_at', 'lost_at'].map((c) => col(c, ts)),
      col('rejection_reason', 'text'),
      col('picked_in_full', 'boolean'),
      col('in_full', 'boolean'),
      col('damage_at_handover', 'boolean'),
    ],
  },
  lines: {
    table: 'order_lines',
    key: [{ name: 'order_id', ...text }, { name: 'line_id', ...text }],
    columns: [col('ordered_quantity', 'integer'), col('picked_quantity', 'integer'), col('stock_damaged', 'boolean'), col('prepared_at', ts)],
  },
  points: {
    table: 'order_tracking_points',
    key: [{ name: 'event_id', ...text }],
    columns: [col('order_id', 'text', 'insert'), col('kind', 'text', 'insert'), col('at', ts, 'insert')],
  },
  damage: {
    table: 'order_damage_reports',
    key: [{ name: 'source', ...text }, { name: 'source_id', ...text }],
    columns: [col('order_id', 'text'), col('reported_at', ts)],
  },
  complaints: {
    table: 'complaint_facts',
    key: [{ name: 'complaint_id', ...text }],
    columns: [
      col('customer_id', 'text', 'insert'),
      col('number', 'text'),
      col('order_id', 'text'),
      col('channel', 'text'),
      col('category', 'text'),
      col('received_at', ts),
      col('acknowledged_at', ts, 'least'),
      col('severity', 'text'),
      col('first_resolved_at', ts, 'first'),
      col('reopen_count', 'integer', 'greatest', '0'),
      col('escalation_count', 'integer', 'greatest', '0'),
      col('closed_at', ts),
    ],
  },
  returns: {
    table: 'return_facts',
    key: [{ name: 'return_id', ...text }],
    columns: [
      col('order_id', 'text', 'insert'),
      col('customer_id', 'text', 'insert'),
      col('requested_at', ts),
      col('stated_reason', 'text'),
      col('cause_confirmed', 'boolean'),
      col('confirmed_reason', 'text'),
      col('inspected_at', ts),
      col('decision', 'text'),
      col('decided_at', ts),
      col('outcome', 'text'),
      col('amount_fen', 'bigint'),
      col('closed_at', ts),
    ],
  },
  attributes: {
    table: 'customer_attributes',
    key: [{ name: 'customer_id', ...text }, { name: 'attribute', ...text }, { name: 'position', ...text }],
    columns: [col('effective_at', ts), col('value', 'text')],
  },
  surveys: {
    table: 'survey_answers',
    key: [{ name: 'survey_id', ...text }, { name: 'item', ...text }],
    columns: [
      col('customer_id', 'text', 'insert'),
      col('answer', 'text'),
      col('score', 'integer'),
      col('surveyed_at', ts),
      col('classification', 'text', 'insert'),
      col('standard_column', 'text', 'insert'),
      col('region', 'text', 'insert'),
    ],
  },
} satisfies Record<string, TableSpec>;

/**
 * The fact-table writes of a batch, merged per row and sent by `flushKpiWrites` as one
 * statement (a data-modifying CTE per table): a batch costs a handful of statements whatever its size, with the effect
 * the per-event upserts had in event order (see merged-writes.ts).
 */
export type KpiWrites = { readonly [K in keyof typeof specs]: MergedTable } & { schema: string };

/**
 * Empty pending writes for the fact tables of `schema`.
 *
 * @example
 * const w = newKpiWrites('kpi_v2'); for (const e of events) await applyKpiEvent(db, e, w); await flushKpiWrites(db, w);
 */
export const newKpiWrites = (schema: string): KpiWrites => {
  const tables = Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, mergedTable(spec)])) as { [K in keyof typeof specs]: MergedTable };
  return { ...tables, schema: safeIdentifier(schema) };
};

/**
 * Sends every pending fact-table write (one statement for all tables with pending rows, plus
 * one per later generation of a table, see merged-writes.ts) and empties them. Call before
 * anything reads the fact tables.
 *
 * @example
 * await flushKpiWrites(trx, writes);
 */
export const flushKpiWrites = async (db: Kysely<any>, w: KpiWrites): Promise<void> => {
  // Each table's statements read and write that table only: the first of every table go
  // together in one statement; a table's later generations (rare) follow, in order.
  const byTable = (Object.keys(specs) as (keyof typeof specs)[]).map((key) => w[key].take(w.schema)).filter((list) => list.length > 0);
  await runTogether(db, byTable.map((list) => list[0]!));
  for (const list of byTable) for (const statement of list.slice(1)) await statement.execute(db);
};

const order = (w: KpiWrites, d: EventReader, row: Record<string, unknown>): void => {
  row.order_id = d.str('orderId');
  row.customer_id = d.str('customerId');
  w.orders.upsert(row, true);
};
const point = (w: KpiWrites, d: EventReader, kind: 'dispatch' | 'update' | 'delivery' | 'loss', at: string): void =>
  w.points.upsert({ event_id: d.event.id, order_id: d.str('orderId'), kind, at }, true);
const damage = (w: KpiWrites, source: 'exception' | 'complaint' | 'return', sourceId: string, orderId: string, at: string): void =>
  w.damage.upsert({ source, source_id: sourceId, order_id: orderId, reported_at: at }, true);
const complaint = (w: KpiWrites, d: EventReader, row: Record<string, unknown>, create = false): void => {
  row.complaint_id = d.str('complaintId');
  w.complaints.upsert(row, create);
};
const ret = (w: KpiWrites, d: EventReader, row: Record<string, unknown>): void => {
  row.return_id = d.str('returnId');
  row.order_id = d.str('orderId');
  row.customer_id = d.str('customerId');
  w.returns.upsert(row, true);
};

/**
 * Applies one event to the pending fact-table writes `w` (send them with `flushKpiWrites`);
 * company records other than survey answers (standards, evaluations, improvements: a few
 * events in a history) are written at once through `db` (scoped to the projection's schema),
 * and only then is a promise returned. Events the projection does not use are ignored;
 * malformed ones throw `KpiError('invalid_event')`. The fact rows and totals are NOT touched
 * here: `handleKpiEvents` refreshes them per batch.
 *
 * @example
 * await applyKpiEvent(trx.withSchema('kpi_v2'), event, writes);
 */
export const applyKpiEvent = (db: Db, event: KpiEvent, w: KpiWrites): Promise<void> | undefined => {
  const d = reader(event);
  switch (event.type) {
    case 'OrderPlaced':
      order(w, d, { placed_at: d.time('occurredAt'), promised_dispatch_at: d.time('promisedDispatchAt'), promised_delivery_at: d.time('promisedDeliveryAt') });
      return;
    case 'OrderAccepted':
      order(w, d, { accepted_at: d.time('occurredAt') });
      return;
    case 'OrderRejected':
      order(w, d, { rejected_at: d.time('occurredAt'), rejection_reason: d.str('reason') });
      return;
    case 'OrderCancelled':
      order(w, d, { cancelled_at: d.time('occurredAt') });
      return;
    case 'OrderPrepared': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      order(w, d, { prepared_at: at, picked_in_full: d.bool('pickedInFull') });
      for (const line of d.list('lines')) {
        const l = reader(line);
        w.lines.upsert({
          order_id: orderId,
          line_id: l.str('lineId'),
          ordered_quantity: l.int('orderedQuantity'),
          picked_quantity: l.int('pickedQuantity'),
          stock_damaged: l.bool('stockDamaged'),
          prepared_at: at,
        }, true);
      }
      return;
    }
    case 'OrderDispatched': {
      const at = d.time('occurredAt');
      order(w, d, { dispatched_at: at });
      point(w, d, 'dispatch', at);
      return;
    }
    case 'OrderTrackingUpdated':
      point(w, d, 'update', d.time('occurredAt'));
      return;
    case 'OrderDelivered': {
      const at = d.time('occurredAt');
      order(w, d, { delivered_at: at, in_full: d.bool('inFull'), damage_at_handover: d.bool('damageRecorded') });
      point(w, d, 'delivery', at);
      return;
    }
    case 'OrderLost': {
      const at = d.time('occurredAt');
      order(w, d, { lost_at: at });
      point(w, d, 'loss', at);
      return;
    }
    case 'OrderExceptionRaised':
      if (d.str('kind') === 'damage') damage(w, 'exception', `${d.str('orderId')}/${d.str('exceptionId')}`, d.str('orderId'), d.time('occurredAt'));
      return;
    case 'ComplaintReceived': {
      const orderId = d.optStr('orderId');
      const category = d.str('category');
      const at = d.time('occurredAt');
      complaint(w, d, { customer_id: d.str('customerId'), number: d.str('number'), order_id: orderId, channel: d.str('channel'), category, received_at: at }, true);
      if (category === 'damage' && orderId !== null) damage(w, 'complaint', d.str('complaintId'), orderId, at);
      return;
    }
    case 'ComplaintAcknowledged':
      complaint(w, d, { acknowledged_at: d.time('occurredAt') });
      return;
    case 'ComplaintAssessed':
      complaint(w, d, { severity: d.str('severity') });
      return;
    case 'ComplaintResolved':
      complaint(w, d, { first_resolved_at: d.time('firstResolvedAt') });
      return;
    case 'ComplaintReopened':
      complaint(w, d, { reopen_count: d.int('reopenCount') });
      return;
    case 'ComplaintEscalated':
      complaint(w, d, { escalation_count: d.int('escalationCount') });
      return;
    case 'ComplaintClosed':
      complaint(w, d, { closed_at: d.time('occurredAt') });
      return;
    case 'ReturnRequested':
      ret(w, d, { requested_at: d.time('occurredAt'), stated_reason: d.str('reason') });
      return;
    case 'ReturnInspected': {
      const confirmed = d.optStr('confirmedReason');
      const at = d.time('occurredAt');
      ret(w, d, { cause_confirmed: d.bool('causeConfirmed'), confirmed_reason: confirmed, inspected_at: at });
      if (confirmed === 'damage') damage(w, 'return', d.str('returnId'), d.str('orderId'), at);
      return;
    }
    case 'ReturnApproved':
    case 'ReturnRejected':
      ret(w, d, { decision: event.type === 'ReturnApproved' ? 'approved' : 'rejected', decided_at: d.time('occurredAt') });
      return;
    case 'ReturnSettled':
      ret(w, d, { outcome: d.str('outcome'), amount_fen: d.int('amountFen') });
      return;
    case 'ReturnClosed':
      ret(w, d, { closed_at: d.time('occurredAt') });
      return;
    case 'CustomerSurveyRecorded':
      for (const row of surveyAnswerRows(event)) w.surveys.upsert(row, true);
      return;
    default: {
      for (const change of customerAttributeChanges(event)) {
        w.attributes.upsert({
          customer_id: change.customerId,
          attribute: change.attribute,
          position: event.position,
          effective_at: change.effectiveAt,
          value: change.value,
        }, true);
      }
      return isCompanyRecord(event.type) ? handleCompanyRecord(db, event) : undefined;
    }
  }
};
