import type { PublishServiceStandardData, StandardIndicatorInput } from './commands.ts';

/**
 * The documented default service standard (客户服务标准单) the company starts from and changes:
 * the seeds give no numbers, so these are OUR DESIGN. Weights are basis points summing to 10000
 * (transport & delivery 60 %, warehouse 20 %, customer service 20 %). Targets per column
 * (foreign, private, state-owned, individual, government/institution): rates in basis points
 * (a minimum, higher is better), except the complaint rate (a maximum, lower is better); the
 * complaint handling time in whole hours (a maximum). See `indicatorMeasure` for each direction.
 */
export const defaultServiceStandardIndicators: readonly StandardIndicatorInput[] = [
  // transport & delivery (运输配送部)
  {
    indicator: 'demand_fulfilment',
    department: 'transport_delivery',
    weightBp: 1_000,
    targets: { foreign: 9_800, private: 9_500, state_owned: 9_600, individual: 9_000, government_institution: 9_700 },
  },
  {
    indicator: 'on_time_dispatch',
    department: 'transport_delivery',
    weightBp: 1_000,
    targets: { foreign: 9_800, private: 9_500, state_owned: 9_600, individual: 9_000, government_institution: 9_700 },
  },
  {
    indicator: 'on_time_delivery',
    department: 'transport_delivery',
    weightBp: 1_500,
    targets: { foreign: 9_700, private: 9_500, state_owned: 9_500, individual: 9_000, government_institution: 9_600 },
  },
  {
    indicator: 'damage_free',
    department: 'transport_delivery',
    weightBp: 1_500,
    targets: { foreign: 9_950, private: 9_900, state_owned: 9_900, individual: 9_800, government_institution: 9_950 },
  },
  {
    indicator: 'timely_tracking',
    department: 'transport_delivery',
    weightBp: 1_000,
    targets: { foreign: 9_500, private: 9_000, state_owned: 9_000, individual: 8_500, government_institution: 9_500 },
  },
  // warehouse (仓储部)
  {
    indicator: 'inventory_intact',
    department: 'warehouse',
    weightBp: 1_000,
    targets: { foreign: 9_950, private: 9_900, state_owned: 9_900, individual: 9_800, government_institution: 9_950 },
  },
  {
    indicator: 'shipping_accuracy',
    department: 'warehouse',
    weightBp: 1_000,
    targets: { foreign: 9_950, private: 9_900, state_owned: 9_900, individual: 9_800, government_institution: 9_950 },
  },
  // customer service (客户服务部)
  {
    indicator: 'complaint_rate',
    department: 'customer_service',
    weightBp: 1_000,
    targets: { foreign: 50, private: 100, state_owned: 80, individual: 200, government_institution: 50 },
  },
  {
    indicator: 'complaint_handling_time',
    department: 'customer_service',
    weightBp: 1_000,
    targets: { foreign: 24, private: 48, state_owned: 36, individual: 72, government_institution: 24 },
  },
];

/**
 * The default standard as a ready `standard.publish` payload for the company-wide stream
 * (`ServiceStandard-company`), version 1; the sender adds `occurredAt`.
 *
 * @example
 * bus.send({ type: 'standard.publish', data: { ...defaultServiceStandard, occurredAt } });
 */
export const defaultServiceStandard: Omit<PublishServiceStandardData, 'occurredAt'> = {
  standardId: 'company',
  version: 1,
  effectiveFrom: '2026-01-01',
  indicators: defaultServiceStandardIndicators.map((i) => ({ ...i, targets: { ...i.targets } })),
};
