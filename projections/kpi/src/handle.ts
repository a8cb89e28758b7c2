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

const upsertOrder = async (db: Db, row: NewOrderFactRow): Promise<void> => {
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

const trackingPoint = async (db: Db, event: KpiEvent, orderId: string, kind: 'dispatch' | 'update' | 'delivery' | 'loss', at: string) => {
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
 * fact rows and totals are NOT touched here: `handleKpiEvents` refreshes them per batch.
 *
 * @example
 * await applyKpiEvent(trx.withSchema('kpi_v2'), event);
 */
export const applyKpiEvent = async (db: Db, event: KpiEvent): Promise<void> => {
  const d = reader(event);
  switch (event.type) {
    case 'OrderPlaced':
      return upsertOrder(db, {
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        placed_at: d.time('occurredAt'),
        promised_dispatch_at: d.time('promisedDispatchAt'),
        promised_delivery_at: d.time('promisedDeliveryAt'),
      });
    case 'OrderAccepted':
      return upsertOrder(db, { order_id: d.str('orderId'), customer_id: d.str('customerId'), accepted_at: d.time('occurredAt') });
    case 'OrderRejected':
      return upsertOrder(db, {
        order_id: d.str('orderId'),
        customer_id: d.str('customerId'),
        rejected_at: d.time('occurredAt'),
        rejection_reason: d.str('reason'),
      });
    case 'OrderCancelled':
      return upsertOrder(db, { order_id: d.str('orderId'), customer_id: d.str('customerId'), cancelled_at: d.time('occurredAt') });
    case 'OrderPrepared': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, { order_id: orderId, customer_id: d.str('customerId'), prepared_at: at, picked_in_full: d.bool('pickedInFull') });
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
      await upsertOrder(db, { order_id: orderId, customer_id: d.str('customerId'), dispatched_at: at });
      return trackingPoint(db, event, orderId, 'dispatch', at);
    }
    case 'OrderTrackingUpdated':
      return trackingPoint(db, event, d.str('orderId'), 'update', d.time('occurredAt'));
    case 'OrderDelivered': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, {
        order_id: orderId,
        customer_id: d.str('customerId'),
        delivered_at: at,
        in_full: d.bool('inFull'),
        damage_at_handover: d.bool('damageRecorded'),
      });
      return trackingPoint(db, event, orderId, 'delivery', at);
    }
    case 'OrderLost': {
      const orderId = d.str('orderId');
      const at = d.time('occurredAt');
      await upsertOrder(db, { order_id: orderId, customer_id: d.str('customerId'), lost_at: at });
      return trackingPoint(db, event, orderId, 'loss', at);
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
