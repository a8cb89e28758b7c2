import type { AggregateDefinition } from '../shared/aggregate.ts';
import { serviceImprovementCommandSchemas } from './commands.ts';
import type { ServiceImprovementCommand } from './commands.ts';
import { serviceImprovementDecider } from './decider.ts';
import { serviceImprovementEventSchemas } from './events.ts';
import type { ServiceImprovementEvent } from './events.ts';
import type { ServiceImprovementState } from './state.ts';

/**
 * The ServiceImprovement company-level record (客户服务改进表): stream category
 * `ServiceImprovement`, one stream per improvement item.
 *
 * @example
 * const def = serviceImprovementAggregate.commands['improvement.confirm'];
 * const data = def.schema.parse(input); // then decide on stream `ServiceImprovement-${def.aggregateId(data)}`
 */
export const serviceImprovementAggregate: AggregateDefinition<ServiceImprovementCommand, ServiceImprovementEvent, ServiceImprovementState> = {
  category: 'ServiceImprovement',
  decider: serviceImprovementDecider,
  commands: {
    'improvement.open': {
      schema: serviceImprovementCommandSchemas['improvement.open'],
      aggregateId: (d) => d.improvementId,
      creates: true,
      description: 'Open an improvement item: indicator, description, start and end dates, value before.',
    },
    'improvement.recordResult': {
      schema: serviceImprovementCommandSchemas['improvement.recordResult'],
      aggregateId: (d) => d.improvementId,
      description: "Record the indicator's value after the improvement (once).",
    },
    'improvement.confirm': {
      schema: serviceImprovementCommandSchemas['improvement.confirm'],
      aggregateId: (d) => d.improvementId,
      description: 'Confirm as customer-service manager, department manager or general manager (each once).',
    },
    'improvement.close': {
      schema: serviceImprovementCommandSchemas['improvement.close'],
      aggregateId: (d) => d.improvementId,
      description: 'Close the item once the result is recorded and all three roles confirmed.',
    },
  },
  events: {
    ServiceImprovementOpened: { ...serviceImprovementEventSchemas.ServiceImprovementOpened, description: 'Improvement item opened, with unit and direction.' },
    ServiceImprovementResultRecorded: {
      ...serviceImprovementEventSchemas.ServiceImprovementResultRecorded,
      description: 'Value after recorded, with the change and whether it improved.',
    },
    ServiceImprovementConfirmed: { ...serviceImprovementEventSchemas.ServiceImprovementConfirmed, description: 'Confirmed by one of the three roles.' },
    ServiceImprovementClosed: { ...serviceImprovementEventSchemas.ServiceImprovementClosed, description: 'Improvement closed with before/after and the three confirmations.' },
  },
};

export { serviceImprovementDecider, decideServiceImprovement, evolveServiceImprovement } from './decider.ts';
export { initialServiceImprovementState, missingConfirmations } from './state.ts';
export type { ExistingServiceImprovement, ServiceImprovementState } from './state.ts';
export {
  serviceImprovementCommandSchemas,
  ImprovementRole,
  OpenServiceImprovementData,
  RecordServiceImprovementResultData,
  ConfirmServiceImprovementData,
  CloseServiceImprovementData,
} from './commands.ts';
export type {
  ServiceImprovementCommand,
  OpenServiceImprovement,
  RecordServiceImprovementResult,
  ConfirmServiceImprovement,
  CloseServiceImprovement,
} from './commands.ts';
export {
  serviceImprovementEventSchemas,
  ImprovementConfirmation,
  ServiceImprovementOpenedData,
  ServiceImprovementResultRecordedData,
  ServiceImprovementConfirmedData,
  ServiceImprovementClosedData,
} from './events.ts';
export type {
  ServiceImprovementEvent,
  ServiceImprovementOpened,
  ServiceImprovementResultRecorded,
  ServiceImprovementConfirmed,
  ServiceImprovementClosed,
} from './events.ts';
