import { z } from 'zod';

/** Customer classification by value (000:88-92): key, suitable, general. "Segment" in reports. */
export const Classification = z.enum(['key', 'suitable', 'general']);
export type Classification = z.infer<typeof Classification>;

/** Regional grade (001:7). */
export const RegionalGrade = z.enum(['A', 'B', 'C', 'D']);
export type RegionalGrade = z.infer<typeof RegionalGrade>;

/** Enterprise ownership type, the columns of the service-standard form. */
export const OwnershipType = z.enum(['foreign', 'private', 'state_owned']);
export type OwnershipType = z.infer<typeof OwnershipType>;

/** Customer type (001:74-80) with the attribute that grades it. */
export const CustomerType = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('individual'), frequency: z.enum(['frequent', 'occasional']) }),
  z.object({
    kind: z.literal('enterprise'),
    sizeTier: z.enum(['large', 'medium', 'small']),
    ownership: OwnershipType,
  }),
  z.object({ kind: z.literal('government_institution'), grade: z.enum(['A', 'B', 'C']) }),
]);
export type CustomerType = z.infer<typeof CustomerType>;

/** The service-standard form's columns: enterprises by ownership, then individuals and government. */
export const StandardColumn = z.enum(['foreign', 'private', 'state_owned', 'individual', 'government_institution']);
export type StandardColumn = z.infer<typeof StandardColumn>;

/**
 * The service-standard column a customer type falls in.
 *
 * @example
 * standardColumnOf({ kind: 'enterprise', sizeTier: 'large', ownership: 'foreign' }) // 'foreign'
 */
export const standardColumnOf = (type: CustomerType): StandardColumn =>
  type.kind === 'enterprise' ? type.ownership : type.kind;

/** Individual frequency from uses in a month (>= 3 is frequent, 001:75). */
export const individualFrequency = (usesInMonth: number): 'frequent' | 'occasional' =>
  usesInMonth >= 3 ? 'frequent' : 'occasional';

/** Enterprise size tier from annual logistics spend in fen (large >= 500,000 CNY, medium >= 100,000). */
export const enterpriseSizeTier = (annualSpendFen: number): 'large' | 'medium' | 'small' =>
  annualSpendFen >= 500_000_00 ? 'large' : annualSpendFen >= 100_000_00 ? 'medium' : 'small';

/** The indicators of DOMAIN.md that a service standard can set a weight and target for. */
export const Indicator = z.enum([
  'demand_fulfilment',
  'on_time_dispatch',
  'on_time_delivery',
  'damage_free',
  'timely_tracking',
  'inventory_intact',
  'shipping_accuracy',
  'complaint_rate',
  'complaint_handling_time',
  'in_full',
  'perfect_order',
  'stock_availability',
  'warehouse_dispatch_rate',
  'return_rate',
  'order_cycle_time',
  'preparation_time',
  'satisfaction',
]);
export type Indicator = z.infer<typeof Indicator>;

/** The nine items of the customer service survey (客户服务调查表). */
export const SurveyItem = z.enum([
  'order_processing_fast',
  'replenishment_quick',
  'staff_attitude',
  'ordering_unit_variety',
  'emergency_shipping',
  'delivery_at_appointed_time',
  'logistics_information',
  'delivery_without_damage',
  'logistics_management_level',
]);
export type SurveyItem = z.infer<typeof SurveyItem>;

/** The 7-point answer scale, very good (7) to very poor (1). */
export const SatisfactionAnswer = z.enum([
  'very_good',
  'quite_good',
  'slightly_good',
  'average',
  'slightly_poor',
  'quite_poor',
  'very_poor',
]);
export type SatisfactionAnswer = z.infer<typeof SatisfactionAnswer>;

/** Score of a satisfaction answer: very good 7 ... very poor 1 (our design). */
export const satisfactionScore: Record<SatisfactionAnswer, number> = {
  very_good: 7,
  quite_good: 6,
  slightly_good: 5,
  average: 4,
  slightly_poor: 3,
  quite_poor: 2,
  very_poor: 1,
};

/** Service evaluation grade: good 10, average 5, poor 0. */
export const EvaluationGrade = z.enum(['good', 'average', 'poor']);
export type EvaluationGrade = z.infer<typeof EvaluationGrade>;
export const evaluationScore: Record<EvaluationGrade, number> = { good: 10, average: 5, poor: 0 };

/** Dispatch preference of an order (000:40). */
export const DispatchPreference = z.enum(['standard', 'express', 'deferred']);
export type DispatchPreference = z.infer<typeof DispatchPreference>;

/**
 * The company's standard lead times (标准前置时间, 002:60), in hours after placement, used
 * when the customer gives no promised time. Documented defaults (our design): the company
 * changes them here.
 */
export const standardLeadTimeHours: Record<DispatchPreference, { dispatch: number; delivery: number }> = {
  express: { dispatch: 4, delivery: 24 },
  standard: { dispatch: 24, delivery: 72 },
  deferred: { dispatch: 72, delivery: 144 },
};
/** Urgent orders (紧急订单) get at most these lead times. */
export const urgentLeadTimeHours = { dispatch: 2, delivery: 24 };
