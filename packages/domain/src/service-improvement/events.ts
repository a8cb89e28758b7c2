import { z } from 'zod';
import { Indicator } from '../shared/reference.ts';
import { Id, IsoDate, IsoDateTime, Text } from '../shared/values.ts';
import { IndicatorDirection, IndicatorUnit } from '../service-standard/commands.ts';
import { ImprovementRole } from './commands.ts';

const base = { improvementId: Id, occurredAt: IsoDateTime };

/** Who confirmed in which role, and when. */
export const ImprovementConfirmation = z.object({ role: ImprovementRole, by: Text(256), confirmedAt: IsoDateTime });
export type ImprovementConfirmation = z.infer<typeof ImprovementConfirmation>;

export const ServiceImprovementOpenedData = z.object({
  ...base,
  indicator: Indicator,
  unit: IndicatorUnit,
  direction: IndicatorDirection,
  description: Text(4000),
  startDate: IsoDate,
  endDate: IsoDate,
  valueBefore: z.number().int(),
});
export type ServiceImprovementOpenedData = z.infer<typeof ServiceImprovementOpenedData>;

export const ServiceImprovementResultRecordedData = z.object({
  ...base,
  indicator: Indicator,
  valueBefore: z.number().int(),
  valueAfter: z.number().int(),
  /** valueAfter - valueBefore, in the indicator's unit. */
  change: z.number().int(),
  /** The change goes in the indicator's better direction. */
  improved: z.boolean(),
});
export type ServiceImprovementResultRecordedData = z.infer<typeof ServiceImprovementResultRecordedData>;

export const ServiceImprovementConfirmedData = z.object({
  ...base,
  role: ImprovementRole,
  by: Text(256),
  /** Roles confirmed so far, this one included. */
  confirmedRoles: z.array(ImprovementRole),
});
export type ServiceImprovementConfirmedData = z.infer<typeof ServiceImprovementConfirmedData>;

export const ServiceImprovementClosedData = z.object({
  ...base,
  indicator: Indicator,
  startDate: IsoDate,
  endDate: IsoDate,
  valueBefore: z.number().int(),
  valueAfter: z.number().int(),
  improved: z.boolean(),
  confirmations: z.array(ImprovementConfirmation).length(3),
});
export type ServiceImprovementClosedData = z.infer<typeof ServiceImprovementClosedData>;

export type ServiceImprovementOpened = { type: 'ServiceImprovementOpened'; data: ServiceImprovementOpenedData };
export type ServiceImprovementResultRecorded = { type: 'ServiceImprovementResultRecorded'; data: ServiceImprovementResultRecordedData };
export type ServiceImprovementConfirmed = { type: 'ServiceImprovementConfirmed'; data: ServiceImprovementConfirmedData };
export type ServiceImprovementClosed = { type: 'ServiceImprovementClosed'; data: ServiceImprovementClosedData };

/** Every event of the ServiceImprovement aggregate. */
export type ServiceImprovementEvent =
  | ServiceImprovementOpened
  | ServiceImprovementResultRecorded
  | ServiceImprovementConfirmed
  | ServiceImprovementClosed;

/** Event type name -> zod schema of its data and the schema version written today. */
export const serviceImprovementEventSchemas = {
  ServiceImprovementOpened: { schema: ServiceImprovementOpenedData, schemaVersion: 1 },
  ServiceImprovementResultRecorded: { schema: ServiceImprovementResultRecordedData, schemaVersion: 1 },
  ServiceImprovementConfirmed: { schema: ServiceImprovementConfirmedData, schemaVersion: 1 },
  ServiceImprovementClosed: { schema: ServiceImprovementClosedData, schemaVersion: 1 },
} as const satisfies {
  [T in ServiceImprovementEvent['type']]: { schema: z.ZodType<Extract<ServiceImprovementEvent, { type: T }>['data']>; schemaVersion: number };
};
