import { type Kysely, sql } from 'kysely';
import type { KpiDatabase } from './database.ts';
import { type KpiEvent, reader } from './event-data.ts';
import type { NewOrderFactRow } from './order-fact.table.ts';
import type { NewComplaintFactRow } from './complaint-fact.table.ts';
import type { NewReturnFactRow } from './return-fact.table.ts';
import { customerAttributeChanges, handleCompanyRecord } from './company-records.ts';

// Every write is an upsert keyed by the subject's id (or the event id), so applying an event
// twice leaves the same rows: the runtime's exactly-once per batch is not relied upon.

type Db = Kysely<KpiDatabase>;

type LineRow = { order_id: string; line_id: string; ordered_quantity: number; picked_quantity: number; stock_damaged: boolean; prepared_at: string };
type PointRow = { event_id: string; order_id: string; kind: 'dispatch' | 'update' | 'delivery' | 'loss'; at: string };

/**
 * The order-table writes of consecutive order events, merged in memory (a later event's field
 * wins, as with one upsert per event) and sent as one multi-row upsert per table: a batch of
 * order events costs a few statements instead of one or more round trips per event.
 */
export type OrderWrites = { orders: Map<string, NewOrderFactRow>; lines: Map<string, LineRow>; points: Map<string, PointRow> };

/**
 * An empty set of pending order writes.
 *
 * @example
 * const w = newOrderWrites(); for (const e of events) await applyKpiEvent(db, e, w); await flushOrderWrites(db, w);
 */
export const newOrderWrites = (): OrderWrites => ({ orders: new Map(), lines: new Map(), points: new Map() });

const orderColumns = [
  'placed_at',
  'promised_dispatch_at',
  'promised_delivery_at',
  'accepted_at',
  'rejected_at',
  'rejection_reason',
  'cancelled_at',
  'prepared_at',
  'picked_in_full',
  'dispatched_at',
  'delivered_at',
  'in_full',
  'damage_at_handover',
  'lost_at',
] as const;

/**
 * Sends the pending order writes (order facts, lines, tracking points) and empties them. A
 * column no event of the batch set keeps its stored value (no event sets one to null).
 *
 * @example
 * await flushOrderWrites(db.withSchema('kpi_v2'), writes);
 */
export const flushOrderWrites = async (db: Db, w: OrderWrites): Promise<void> => {
  if (w.orders.size > 0) {
    const rows = [...w.orders.values()].map((r) => Object.fromEntries([['order_id', r.order_id], ['customer_id', r.customer_id], ...orderColumns.map((c) => [c, r[c] ?? null])]) as NewOrderFactRow);
    await db
      .insertInto('order_facts')
      .values(rows)
      .onConflict((oc) =>
        oc.column('order_id').doUpdateSet(Object.fromEntries(orderColumns.map((c) => [c, sql`coalesce(excluded.${sql.ref(c)}, order_facts.${sql.ref(c)})`]))),
      )
      .execute();
  }
  if (w.lines.size > 0) {
    await db
      .insertInto('order_lines')
      .values([...w.lines.values()])
      .onConflict((oc) =>
        oc.columns(['order_id', 'line_id']).doUpdateSet({
          ordered_quantity: sql`excluded.ordered_quantity`,
          picked_quantity: sql`excluded.picked_quantity`,
          stock_damaged: sql`excluded.stock_damaged`,
          prepared_at: sql`excluded.prepared_at`,
        }),
      )
      .execute();
  }
  if (w.points.size > 0) {
    await db.insertInto('order_tracking_points').values([...w.points.values()]).onConflict((oc) => oc.column('event_id').doNothing()).execute();
  }
  w.orders.clear();
  w.lines.clear();
  w.points.clear();
};

const upsertOrder = async (db: Db, row: NewOrderFactRow, w?: OrderWrites): Promise<void> => {
  if (w) {
    w.orders.set(row.order_id, { ...w.orders.get(row.order_id), ...row });
    return;
  }
  const { order_id: _id, customer_id: _c, ...update } = row;
  await db
    .insertInto('order_facts')
    .values(row)
    .onConflict((oc) => (Object.keys(update).length === 0 ? oc.column('order_id').doNothing() : oc.column('order_id').doUpdateSet(update)))
    .execute();
};

const upsertComplaint = async (db: Db, row: NewComplaintFactRow): Promise<void> => {
  const { complaint_id: _id, customer_id: _c, ...update } = row;
  await db
    .insertInto('complaint_facts')
    .values(row)
    .onConflict((oc) => oc.column('complaint_id').doUpdateSet(update))
    .execute();
};

const upsertReturn = async (db: Db, row: NewReturnFactRow): Promise<void> => {
  const { return_id: _id, customer_id: _c, order_id: _o, ...update } = row;
  await db
    .insertInto('return_facts')
    .values(row)
    .onConflict((oc) => oc.column('return_id').doUpdateSet(update))
    .execute();
};

const trackingPoint = async (db: Db, event: KpiEvent, orderId: string, kind: 'dispatch' | 'update' | 'delivery' | 'loss', at: string, w?: OrderWrites) => {
  if (w) {
    w.points.set(event.id, { event_id: event.id, order_id: orderId, kind, at });
    return;
  }
  await db
    .insertInto('order_tracking_points')
    .values({ event_id: event.id, order_id: orderId, kind, at })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .execute();
};

const damageReport = async (db: Db, source: 'exception' | 'complaint' | 'return', sourceId: string, orderId: string, at: string) => {
  await db
    .insertInto('order_damage_reports')
    .values({ source, source_id: sourceId, order_id: orderId, reported_at: at })
    .onConflict((oc) => oc.columns(['source', 'source_id']).doUpdateSet({ order_id: orderId, reported_at: at }))
    .execute();
};

/**
 * Applies one event to the KPI fact tables (`db` scoped to the projection's schema). Events the
 * projection does not use are ignored; malformed ones throw `KpiError('invalid_event')`. The
 * fact rows and totals are NOT touched here: `handleKpiEvents` refreshes them per batch. With
 * `w`, the order-table writes of order events are collected there (send them with
 * `flushOrderWrites` before anything reads those tables).
 *
 * @example
 * await applyKpiEvent(trx.withSchema('kpi_v2'), event);
 */
export const applyKpiEvent = async (db: Db, event: KpiEvent, w?: OrderWrites): Promise<void> => {
  const d = reader(event);
  switch (event.type) {
    case 'OrderPlaced':
      return upsertOrder(db, {
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        placed_at: d.time('occurredAt'),
        promised_dispatch_at: d.time('promisedDispatchAt'),
        promised_delivery_at: d.time('promisedDeliveryAt'),
      }, w);
    case 'OrderAccepted':
      return upsertOrder(db, { order_id: d.str('orderId'), customer_id: d.str('customerId'), accepted_at: d.time('occurredAt') }, w);
    case 'OrderRejected':
      return upsertOrder(db, {
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        rejected_at: d.time('occurredAt'),
        rejection_reason: d.str('reason'),
      }, w);
    case 'OrderCancelled':
      return upsertOrder(db, { order_id: d.str('orderId'), customer_id: d.str('customerId'), cancelled_at: d.time('occurredAt') }, w);
    case 'OrderPrepared': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, { order_id: orderId, customer_id: d.str('customerId'), prepared_at: at, picked_in_full: d.bool('pickedInFull') }, w);
      for (const line of d.list('lines')) {
        const l = reader(line);
        const row = {
          order_id: orderId,
          line_id: l.str('lineId'),
          ordered_quantity: l.int('orderedQuantity'),
          picked_quantity: l.int('pickedQuantity'),
          stock_damaged: l.bool('stockDamaged'),
          prepared_at: at,
        };
        if (w) {
          w.lines.set(`${orderId}\u0000${row.line_id}`, row);
          continue;
        }
        await db
          .insertInto('order_lines')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['order_id', 'line_id']).doUpdateSet({
              ordered_quantity: row.ordered_quantity,
              picked_quantity: row.picked_quantity,
              stock_damaged: row.stock_damaged,
              prepared_at: at,
            }),
          )
          .execute();
      }
      return;
    }
    case 'OrderDispatched': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, { order_id: orderId, customer_id: d.str('customerId'), dispatched_at: at }, w);
      return trackingPoint(db, event, orderId, 'dispatch', at, w);
    }
    case 'OrderTrackingUpdated':
      return trackingPoint(db, event, d.str('orderId'), 'update', d.time('occurredAt'), w);
    case 'OrderDelivered': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, {
        order_id: orderId,
        customer_id: d.str('customerId'),
        delivered_at: at,
        in_full: d.bool('inFull'),
        damage_at_handover: d.bool('damageRecorded'),
      }, w);
      return trackingPoint(db, event, orderId, 'delivery', at, w);
    }
    case 'OrderLost': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, { order_id: orderId, customer_id: d.str('customerId'), lost_at: at }, w);
      return trackingPoint(db, event, orderId, 'loss', at, w);
    }
    case 'OrderExceptionRaised':
      if (d.str('kind') !== 'damage') return;
      return damageReport(db, 'exception', `${d.str('orderId')}/${d.str('exceptionId')}`, d.str('orderId'), d.time('occurredAt'));
    case 'ComplaintReceived': {
      const complaintId = d.str('complaintId');
      const orderId = d.optStr('orderId');
      const category = d.str('category');
      await upsertComplaint(db, {
        complaint_id: complaintId,
        customer_id: d.str('customerId'),
        number: d.str('number'),
        order_id: orderId,
        channel: d.str('channel'),
        category,
        received_at: d.time('occurredAt'),
      });
      if (category === 'damage' && orderId !== null) await damageReport(db, 'complaint', complaintId, orderId, d.time('occurredAt'));
      return;
    }
    case 'ComplaintAcknowledged': {
      const at = d.time('occurredAt');
      await db
        .updateTable('complaint_facts')
        .set({ acknowledged_at: sql<Date>`least(acknowledged_at, ${at}::timestamptz)` })
        .where('complaint_id', '=', d.str('complaintId'))
        .execute();
      return;
    }
    case 'ComplaintAssessed':
      await db
        .updateTable('complaint_facts')
        .set({ severity: d.str('severity') })
        .where('complaint_id', '=', d.str('complaintId'))
        .execute();
      return;
    case 'ComplaintResolved': {
      const first = d.time('firstResolvedAt');
      await db
        .updateTable('complaint_facts')
        .set({ first_resolved_at: sql<Date>`coalesce(first_resolved_at, ${first}::timestamptz)` })
        .where('complaint_id', '=', d.str('complaintId'))
        .execute();
      return;
    }
    case 'ComplaintReopened': {
      const count = d.int('reopenCount');
      await db
        .updateTable('complaint_facts')
        .set({ reopen_count: sql<number>`greatest(reopen_count, ${count}::int)` })
        .where('complaint_id', '=', d.str('complaintId'))
        .execute();
      return;
    }
    case 'ComplaintEscalated': {
      const count = d.int('escalationCount');
      await db
        .updateTable('complaint_facts')
        .set({ escalation_count: sql<number>`greatest(escalation_count, ${count}::int)` })
        .where('complaint_id', '=', d.str('complaintId'))
        .execute();
      return;
    }
    case 'ComplaintClosed':
      await db.updateTable('complaint_facts').set({ closed_at: d.time('occurredAt') }).where('complaint_id', '=', d.str('complaintId')).execute();
      return;
    case 'ReturnRequested':
      return upsertReturn(db, {
        return_id: d.str('returnId'),
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        requested_at: d.time('occurredAt'),
        stated_reason: d.str('reason'),
      });
    case 'ReturnInspected': {
      const returnId = d.str('returnId');
      const confirmed = d.optStr('confirmedReason');
      await upsertReturn(db, {
        return_id: returnId,
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        cause_confirmed: d.bool('causeConfirmed'),
        confirmed_reason: confirmed,
        inspected_at: d.time('occurredAt'),
      });
      if (confirmed === 'damage') await damageReport(db, 'return', returnId, d.str('orderId'), d.time('occurredAt'));
      return;
    }
    case 'ReturnApproved':
    case 'ReturnRejected':
      return upsertReturn(db, {
        return_id: d.str('returnId'),
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        decision: event.type === 'ReturnApproved' ? 'approved' : 'rejected',
        decided_at: d.time('occurredAt'),
      });
    case 'ReturnSettled':
      return upsertReturn(db, {
        return_id: d.str('returnId'),
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        outcome: d.str('outcome'),
        amount_fen: d.int('amountFen'),
      });
    case 'ReturnClosed':
      return upsertReturn(db, {
        return_id: d.str('returnId'),
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        closed_at: d.time('occurredAt'),
      });
    default: {
      for (const change of customerAttributeChanges(event)) {
        await db
          .insertInto('customer_attributes')
          .values({
            customer_id: change.customerId,
            attribute: change.attribute,
            position: event.position,
            effective_at: change.effectiveAt,
            value: change.value,
          })
          .onConflict((oc) =>
            oc.columns(['customer_id', 'attribute', 'position']).doUpdateSet({ effective_at: change.effectiveAt, value: change.value }),
          )
          .execute();
      }
      await handleCompanyRecord(db, event);
    }
  }
};
