// The domain's public surface. Each aggregate folder's index.ts lists its exports explicitly.
import type { AggregateDefinition } from './shared/aggregate.ts';
import { complaintAggregate } from './complaint/index.ts';
import { customerAccountAggregate } from './customer-account/index.ts';
import { orderAggregate } from './order/index.ts';
import { returnRequestAggregate } from './return-request/index.ts';
import { serviceImprovementAggregate } from './service-improvement/index.ts';
import { serviceStandardAggregate } from './service-standard/index.ts';

export { domainErrorCodes, type DomainErrorCode, DomainError, isDomainError } from './shared/errors.ts';
export { fold, type Decider, type DomainCommand, type DomainEvent } from './shared/decider.ts';
export { streamName, type AggregateDefinition, type CommandDefinition, type EventDefinition } from './shared/aggregate.ts';
export { Actor, Id, IsoDate, IsoDateTime, MoneyFen, OptionalText, Quantity, QuantityOrZero, Text, instant, isBefore } from './shared/values.ts';
export {
  Classification,
  CustomerType,
  DispatchPreference,
  EvaluationGrade,
  Indicator,
  OwnershipType,
  RegionalGrade,
  SatisfactionAnswer,
  StandardColumn,
  SurveyItem,
  enterpriseSizeTier,
  evaluationScore,
  individualFrequency,
  satisfactionScore,
  standardColumnOf,
  standardLeadTimeHours,
  urgentLeadTimeHours,
} from './shared/reference.ts';
export { deciderSpec } from './shared/testing.ts';

export * from './customer-account/index.ts';
export * from './order/index.ts';
export * from './complaint/index.ts';
export * from './return-request/index.ts';
export * from './service-standard/index.ts';
export * from './service-improvement/index.ts';

/**
 * Every aggregate, for the write path's catalogue, the contracts and the auditors.
 *
 * @example
 * const handler = createCommandHandler({ store, aggregates });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const aggregates: readonly AggregateDefinition<any, any, any>[] = [
  customerAccountAggregate,
  orderAggregate,
  complaintAggregate,
  returnRequestAggregate,
  serviceStandardAggregate,
  serviceImprovementAggregate,
];
