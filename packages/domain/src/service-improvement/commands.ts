import { z } from 'zod';
import { Indicator } from '../shared/reference.ts';
import { Id, IsoDate, IsoDateTime, Text } from '../shared/values.ts';
import { indicatorValueProblem } from '../service-standard/commands.ts';

/** The three roles that confirm an improvement (改进确认表, 002:9). */
export const ImprovementRole = z.enum(['customer_service_manager', 'department_manager', 'general_manager']);
export type ImprovementRole = z.infer<typeof ImprovementRole>;

export const OpenServiceImprovementData = z
  .object({
    improvementId: Id,
    indicator: Indicator,
    description: Text(4000),
    /** Implementation start and end dates (company time). */
    startDate: IsoDate,
    endDate: IsoDate,
    /** The indicator's value before: basis points, hours or score x 100 (see indicatorMeasure). */
    valueBefore: z.number().int(),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    if (d.endDate < d.startDate) ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'endDate is before startDate' });
    const p = indicatorValueProblem(d.indicator, d.valueBefore);
    if (p) ctx.addIssue({ code: 'custom', path: ['valueBefore'], message: p });
  });
export type OpenServiceImprovementData = z.infer<typeof OpenServiceImprovementData>;

/** The indicator's value after the improvement; its range is checked by the decider (it knows the indicator). */
export const RecordServiceImprovementResultData = z.object({
  improvementId: Id,
  valueAfter: z.number().int(),
  occurredAt: IsoDateTime,
});
export type RecordServiceImprovementResultData = z.infer<typeof RecordServiceImprovementResultData>;

export const ConfirmServiceImprovementData = z.object({
  improvementId: Id,
  role: ImprovementRole,
  by: Text(256),
  occurredAt: IsoDateTime,
});
export type ConfirmServiceImprovementData = z.infer<typeof ConfirmServiceImprovementData>;

/** Closing needs the result and all three confirmations. */
export const CloseServiceImprovementData = z.object({ improvementId: Id, occurredAt: IsoDateTime });
export type CloseServiceImprovementData = z.infer<typeof CloseServiceImprovementData>;

export type OpenServiceImprovement = { type: 'improvement.open'; data: OpenServiceImprovementData };
export type RecordServiceImprovementResult = { type: 'improvement.recordResult'; data: RecordServiceImprovementResultData };
export type ConfirmServiceImprovement = { type: 'improvement.confirm'; data: ConfirmServiceImprovementData };
export type CloseServiceImprovement = { type: 'improvement.close'; data: CloseServiceImprovementData };

/** Every command the ServiceImprovement aggregate takes. */
export type ServiceImprovementCommand =
  | OpenServiceImprovement
  | RecordServiceImprovementResult
  | ConfirmServiceImprovement
  | CloseServiceImprovement;

/** Command type name -> zod schema of its data. */
export const serviceImprovementCommandSchemas = {
  'improvement.open': OpenServiceImprovementData,
  'improvement.recordResult': RecordServiceImprovementResultData,
  'improvement.confirm': ConfirmServiceImprovementData,
  'improvement.close': CloseServiceImprovementData,
} as const satisfies {
  [T in ServiceImprovementCommand['type']]: z.ZodType<Extract<ServiceImprovementCommand, { type: T }>['data']>;
};
