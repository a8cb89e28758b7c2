import { z } from 'zod';
import { Indicator, StandardColumn } from '../shared/reference.ts';
import { Id, IsoDate, IsoDateTime, Text } from '../shared/values.ts';

/** Departments of the service-standard form (客户服务标准单). */
export const StandardDepartment = z.enum(['transport_delivery', 'warehouse', 'customer_service']);
export type StandardDepartment = z.infer<typeof StandardDepartment>;

/** Unit of an indicator's value: basis points (9500 = 95.00 %), whole hours, or a 7-point score x 100. */
export const IndicatorUnit = z.enum(['basis_points', 'hours', 'score_x100']);
export type IndicatorUnit = z.infer<typeof IndicatorUnit>;

/** Whether a higher value is better (target is a minimum) or a lower one (target is a maximum). */
export const IndicatorDirection = z.enum(['higher_is_better', 'lower_is_better']);
export type IndicatorDirection = z.infer<typeof IndicatorDirection>;

/**
 * How each indicator is measured: its unit and direction. Rates are basis points; durations
 * whole hours; satisfaction the mean 7-point score times 100 (e.g. 550 = 5.50).
 *
 * @example
 * indicatorMeasure.complaint_rate // { unit: 'basis_points', direction: 'lower_is_better' }
 */
export const indicatorMeasure: Record<Indicator, { unit: IndicatorUnit; direction: IndicatorDirection }> = {
  demand_fulfilment: { unit: 'basis_points', direction: 'higher_is_better' },
  on_time_dispatch: { unit: 'basis_points', direction: 'higher_is_better' },
  on_time_delivery: { unit: 'basis_points', direction: 'higher_is_better' },
  damage_free: { unit: 'basis_points', direction: 'higher_is_better' },
  timely_tracking: { unit: 'basis_points', direction: 'higher_is_better' },
  inventory_intact: { unit: 'basis_points', direction: 'higher_is_better' },
  shipping_accuracy: { unit: 'basis_points', direction: 'higher_is_better' },
  complaint_rate: { unit: 'basis_points', direction: 'lower_is_better' },
  complaint_handling_time: { unit: 'hours', direction: 'lower_is_better' },
  in_full: { unit: 'basis_points', direction: 'higher_is_better' },
  perfect_order: { unit: 'basis_points', direction: 'higher_is_better' },
  stock_availability: { unit: 'basis_points', direction: 'higher_is_better' },
  warehouse_dispatch_rate: { unit: 'basis_points', direction: 'higher_is_better' },
  return_rate: { unit: 'basis_points', direction: 'lower_is_better' },
  order_cycle_time: { unit: 'hours', direction: 'lower_is_better' },
  preparation_time: { unit: 'hours', direction: 'lower_is_better' },
  satisfaction: { unit: 'score_x100', direction: 'higher_is_better' },
};

/** Largest hours value accepted for a duration target or measurement (a year). */
export const MAX_HOURS = 8760;

/**
 * Why `value` is not a valid value of `indicator` in its unit, or undefined when it is.
 *
 * @example
 * indicatorValueProblem('on_time_delivery', 12000) // 'on_time_delivery is in basis points: 0..10000'
 */
export const indicatorValueProblem = (indicator: Indicator, value: number): string | undefined => {
  if (!Number.isSafeInteger(value)) return `${indicator} values are integers`;
  const unit = indicatorMeasure[indicator].unit;
  if (unit === 'basis_points' && (value < 0 || value > 10_000)) return `${indicator} is in basis points: 0..10000`;
  if (unit === 'hours' && (value < 0 || value > MAX_HOURS)) return `${indicator} is in whole hours: 0..${MAX_HOURS}`;
  if (unit === 'score_x100' && (value < 100 || value > 700)) return `${indicator} is a 7-point score x 100: 100..700`;
  return undefined;
};

/** Target value per service-standard column (foreign, private, state-owned, individual, government). */
export const StandardTargets = z.record(StandardColumn, z.number().int());
export type StandardTargets = z.infer<typeof StandardTargets>;

/** One indicator of a standard: its department, weight (basis points of 100 %) and targets. */
export const StandardIndicatorInput = z.object({
  indicator: Indicator,
  department: StandardDepartment,
  /** Weight in basis points; the weights of a standard sum to 10000 (= 100 %). */
  weightBp: z.number().int().min(0).max(10_000),
  targets: StandardTargets,
});
export type StandardIndicatorInput = z.infer<typeof StandardIndicatorInput>;

/**
 * Everything wrong with a standard's indicator list: duplicates, weights not summing to 100 %,
 * targets outside their unit's range. Empty when the list is valid.
 *
 * @example
 * standardProblems(defaultServiceStandard.indicators) // []
 */
export const standardProblems = (indicators: readonly StandardIndicatorInput[]): string[] => {
  const problems: string[] = [];
  if (indicators.length === 0) problems.push('a standard has at least one indicator');
  const seen = new Set<string>();
  for (const i of indicators) {
    if (seen.has(i.indicator)) problems.push(`indicator ${i.indicator} given twice`);
    seen.add(i.indicator);
    for (const column of StandardColumn.options) {
      const p = indicatorValueProblem(i.indicator, i.targets[column]);
      if (p) problems.push(`target ${i.indicator}/${column}: ${p}`);
    }
  }
  const sum = indicators.reduce((s, i) => s + i.weightBp, 0);
  if (indicators.length > 0 && sum !== 10_000) problems.push(`weights sum to ${sum} bp, not 10000 (100 %)`);
  return problems;
};

export const PublishServiceStandardData = z
  .object({
    standardId: Id,
    /** Increasing integer version (1, 2, ...). */
    version: z.number().int().positive().max(1_000_000),
    /** First day the version is in force, in company time (YYYY-MM-DD). */
    effectiveFrom: IsoDate,
    indicators: z.array(StandardIndicatorInput).min(1).max(Indicator.options.length),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    for (const message of standardProblems(d.indicators)) ctx.addIssue({ code: 'custom', path: ['indicators'], message });
  });
export type PublishServiceStandardData = z.infer<typeof PublishServiceStandardData>;

/** The eight areas of the customer service checklist (客户服务检查表, 002:41-78). */
export const ChecklistArea = z.enum([
  'credit_rules',
  'order_acceptance',
  'service_organisation',
  'delivery_time',
  'service_authority',
  'complaints_and_appeal',
  'warehousing',
  'service_levels_and_standards',
]);
export type ChecklistArea = z.infer<typeof ChecklistArea>;

export const ChecklistAreaResult = z.object({
  area: ChecklistArea,
  /** Whether the area meets the company's expectations. */
  satisfactory: z.boolean(),
  result: Text(4000),
});
export type ChecklistAreaResult = z.infer<typeof ChecklistAreaResult>;

/** A filled customer service checklist: every one of the eight areas exactly once. */
export const RecordServiceChecklistData = z
  .object({
    standardId: Id,
    checklistId: Id,
    formNumber: Text(64),
    date: IsoDate,
    filledBy: Text(256),
    reviewedBy: Text(256),
    areas: z.array(ChecklistAreaResult).length(ChecklistArea.options.length),
    occurredAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    const given = new Set(d.areas.map((a) => a.area));
    for (const area of ChecklistArea.options) {
      if (!given.has(area)) ctx.addIssue({ code: 'custom', path: ['areas'], message: `area ${area} missing` });
    }
  });
export type RecordServiceChecklistData = z.infer<typeof RecordServiceChecklistData>;

export type PublishServiceStandard = { type: 'standard.publish'; data: PublishServiceStandardData };
export type RecordServiceChecklist = { type: 'standard.recordChecklist'; data: RecordServiceChecklistData };

/** Every command the ServiceStandard aggregate takes. */
export type ServiceStandardCommand = PublishServiceStandard | RecordServiceChecklist;

/** Command type name -> zod schema of its data. */
export const serviceStandardCommandSchemas = {
  'standard.publish': PublishServiceStandardData,
  'standard.recordChecklist': RecordServiceChecklistData,
} as const satisfies {
  [T in ServiceStandardCommand['type']]: z.ZodType<Extract<ServiceStandardCommand, { type: T }>['data']>;
};
