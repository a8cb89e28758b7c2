import { defineProjection, type Projection } from '@cs/projection-runtime';
import type { Kysely } from 'kysely';
import { analyticsViews } from './analytics.ts';
import { companyRecordEventTypes } from './company-records.ts';
import type { KpiDatabase } from './database.ts';
import type { KpiEvent } from './event-data.ts';
import { applyKpiEvent } from './handle.ts';
import { ANALYST_ROLE } from './install.ts';
import { kpiMigrations } from './migrations.ts';

/** The event types the KPI projection reads (everything else is skipped by the runtime). */
export const kpiEventTypes: readonly string[] = [
  'OrderPlaced',
  'OrderAccepted',
  'OrderRejected',
  'OrderCancelled',
  'OrderPrepared',
  'OrderDispatched',
  'OrderTrackingUpdated',
  'OrderDelivered',
  'OrderLost',
  'OrderExceptionRaised',
  'ComplaintReceived',
  'ComplaintAcknowledged',
  'ComplaintAssessed',
  'ComplaintResolved',
  'ComplaintReopened',
  'ComplaintEscalated',
  'ComplaintClosed',
  'ReturnRequested',
  'ReturnInspected',
  'ReturnApproved',
  'ReturnRejected',
  'ReturnSettled',
  'ReturnClosed',
  ...companyRecordEventTypes,
];

/**
 * Applies a batch of events in order (the caller owns the transaction; `db` is scoped to the
 * projection's schema). Idempotent: every write is an upsert keyed by ids.
 *
 * @example
 * await db.transaction().execute((tx) => handleKpiEvents(tx.withSchema('kpi_v1'), events));
 */
export const handleKpiEvents = async (db: Kysely<KpiDatabase>, events: readonly KpiEvent[]): Promise<void> => {
  for (const event of events) await applyKpiEvent(db, event);
};

/**
 * The KPI projection: fact tables in `kpi_v1`, the `analytics` views over them, readable by
 * the `analyst` role.
 *
 * @example
 * createProjectionRuntime({ db, store, projections: [kpiProjection] });
 */
export const kpiProjection: Projection<KpiDatabase> = defineProjection<KpiDatabase>({
  name: 'kpi',
  version: 1,
  eventTypes: kpiEventTypes,
  migrations: kpiMigrations,
  handle: (events, { db }) => handleKpiEvents(db as unknown as Kysely<KpiDatabase>, events),
  views: (schema) => analyticsViews(schema).map(({ name, select }) => ({ name, select })),
  viewReaders: [ANALYST_ROLE],
});
