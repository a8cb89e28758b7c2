import type { AggregateDefinition } from '../shared/aggregate.ts';
import { serviceStandardCommandSchemas } from './commands.ts';
import type { ServiceStandardCommand } from './commands.ts';
import { serviceStandardDecider } from './decider.ts';
import { serviceStandardEventSchemas } from './events.ts';
import type { ServiceStandardEvent } from './events.ts';
import type { ServiceStandardState } from './state.ts';

/**
 * The ServiceStandard company-level record (客户服务标准单): stream category `ServiceStandard`,
 * usually one stream `ServiceStandard-company` holding every version.
 *
 * @example
 * const def = serviceStandardAggregate.commands['standard.publish'];
 * const data = def.schema.parse(input); // then decide on stream `ServiceStandard-${def.aggregateId(data)}`
 */
export const serviceStandardAggregate: AggregateDefinition<ServiceStandardCommand, ServiceStandardEvent, ServiceStandardState> = {
  category: 'ServiceStandard',
  decider: serviceStandardDecider,
  commands: {
    'standard.publish': {
      schema: serviceStandardCommandSchemas['standard.publish'],
      aggregateId: (d) => d.standardId,
      description: 'Publish a version of the service standard: per indicator a department, weight and target per column.',
    },
    'standard.recordChecklist': {
      schema: serviceStandardCommandSchemas['standard.recordChecklist'],
      aggregateId: (d) => d.standardId,
      description: 'Record a customer service checklist (客户服务检查表): the eight areas with their results.',
    },
  },
  events: {
    ServiceStandardPublished: {
      ...serviceStandardEventSchemas.ServiceStandardPublished,
      description: 'A standard version published, in force from effectiveFrom (company time), with units and directions.',
    },
    ServiceChecklistRecorded: {
      ...serviceStandardEventSchemas.ServiceChecklistRecorded,
      description: 'A customer service checklist recorded, with the number of satisfactory areas.',
    },
  },
};

export { serviceStandardDecider, decideServiceStandard, evolveServiceStandard } from './decider.ts';
export { initialServiceStandardState, versionInForce } from './state.ts';
export type { PublishedServiceStandard, PublishedVersion, ServiceStandardState } from './state.ts';
export { defaultServiceStandard, defaultServiceStandardIndicators } from './defaults.ts';
export {
  serviceStandardCommandSchemas,
  StandardDepartment,
  IndicatorUnit,
  IndicatorDirection,
  indicatorMeasure,
  indicatorValueProblem,
  standardProblems,
  MAX_HOURS,
  StandardTargets,
  StandardIndicatorInput,
  PublishServiceStandardData,
  ChecklistArea,
  ChecklistAreaResult,
  RecordServiceChecklistData,
} from './commands.ts';
export type { ServiceStandardCommand, PublishServiceStandard, RecordServiceChecklist } from './commands.ts';
export { serviceStandardEventSchemas, StandardIndicator, ServiceStandardPublishedData, ServiceChecklistRecordedData } from './events.ts';
export type { ServiceStandardEvent, ServiceStandardPublished, ServiceChecklistRecorded } from './events.ts';
