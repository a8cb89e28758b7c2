import { z } from 'zod';
import { Indicator } from '../shared/reference.ts';
import { Id, IsoDate, IsoDateTime, Text } from '../shared/values.ts';
import { ChecklistAreaResult, IndicatorDirection, IndicatorUnit, StandardDepartment, StandardTargets } from './commands.ts';

/** One indicator of a published standard, with its unit and direction resolved. */
export const StandardIndicator = z.object({
  indicator: Indicator,
  department: StandardDepartment,
  weightBp: z.number().int().min(0).max(10_000),
  unit: IndicatorUnit,
  /** higher_is_better: each target is a minimum; lower_is_better: a maximum. */
  direction: IndicatorDirection,
  targets: StandardTargets,
});
export type StandardIndicator = z.infer<typeof StandardIndicator>;

export const ServiceStandardPublishedData = z.object({
  standardId: Id,
  version: z.number().int().positive(),
  /** In force from this day (company time) until the next version's effectiveFrom. */
  effectiveFrom: IsoDate,
  /** The version this one supersedes, absent for the first. */
  previousVersion: z.number().int().positive().optional(),
  indicators: z.array(StandardIndicator).min(1),
  occurredAt: IsoDateTime,
});
export type ServiceStandardPublishedData = z.infer<typeof ServiceStandardPublishedData>;

export const ServiceChecklistRecordedData = z.object({
  standardId: Id,
  checklistId: Id,
  formNumber: Text(64),
  date: IsoDate,
  filledBy: Text(256),
  reviewedBy: Text(256),
  areas: z.array(ChecklistAreaResult).min(1),
  /** Number of areas found satisfactory (0..8). */
  satisfactoryCount: z.number().int().nonnegative(),
  /** The standard version in force when the checklist was recorded. */
  standardVersion: z.number().int().positive(),
  occurredAt: IsoDateTime,
});
export type ServiceChecklistRecordedData = z.infer<typeof ServiceChecklistRecordedData>;

export type ServiceStandardPublished = { type: 'ServiceStandardPublished'; data: ServiceStandardPublishedData };
export type ServiceChecklistRecorded = { type: 'ServiceChecklistRecorded'; data: ServiceChecklistRecordedData };

/** Every event of the ServiceStandard aggregate. */
export type ServiceStandardEvent = ServiceStandardPublished | ServiceChecklistRecorded;

/** Event type name -> zod schema of its data and the schema version written today. */
export const serviceStandardEventSchemas = {
  ServiceStandardPublished: { schema: ServiceStandardPublishedData, schemaVersion: 1 },
  ServiceChecklistRecorded: { schema: ServiceChecklistRecordedData, schemaVersion: 1 },
} as const satisfies {
  [T in ServiceStandardEvent['type']]: { schema: z.ZodType<Extract<ServiceStandardEvent, { type: T }>['data']>; schemaVersion: number };
};
