import { match } from 'ts-pattern';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { isBefore } from '../shared/values.ts';
import { ChecklistArea, indicatorMeasure, standardProblems } from './commands.ts';
import type { PublishServiceStandardData, RecordServiceChecklistData, ServiceStandardCommand } from './commands.ts';
import type { ServiceStandardEvent } from './events.ts';
import { initialServiceStandardState } from './state.ts';
import type { ServiceStandardState } from './state.ts';

const notBefore = (occurredAt: string, previous: string, what: string): void => {
  if (isBefore(occurredAt, previous)) {
    throw new DomainError('out_of_order_time', `${occurredAt} is before ${what} (${previous})`, { occurredAt, previous });
  }
};

/**
 * Publishes a version. Refused with `invalid_standard` when the indicator list is invalid
 * (duplicates, weights not summing to 100 %, targets outside their unit), when the version does
 * not increase, or when the effective date goes backwards; `out_of_order_time` when dated before
 * the previous publication.
 */
const publish = (d: PublishServiceStandardData, state: ServiceStandardState): ServiceStandardEvent[] => {
  const problems = standardProblems(d.indicators);
  if (problems.length > 0) throw new DomainError('invalid_standard', problems.join('; '), { problems });
  if (!Number.isSafeInteger(d.version) || d.version < 1) throw new DomainError('invalid_standard', 'version is a positive integer');
  if (state.status === 'published') {
    if (d.version <= state.version) {
      throw new DomainError('invalid_standard', `version ${d.version} does not increase on ${state.version}`, { current: state.version });
    }
    if (d.effectiveFrom < state.effectiveFrom) {
      throw new DomainError('invalid_standard', `effectiveFrom ${d.effectiveFrom} is before version ${state.version}'s ${state.effectiveFrom}`, {
        currentEffectiveFrom: state.effectiveFrom,
      });
    }
    notBefore(d.occurredAt, state.lastPublishedAt, 'the previous publication');
  }
  return [
    {
      type: 'ServiceStandardPublished',
      data: {
        standardId: d.standardId,
        version: d.version,
        effectiveFrom: d.effectiveFrom,
        ...(state.status === 'published' ? { previousVersion: state.version } : {}),
        indicators: d.indicators.map((i) => ({
          indicator: i.indicator,
          department: i.department,
          weightBp: i.weightBp,
          unit: indicatorMeasure[i.indicator].unit,
          direction: indicatorMeasure[i.indicator].direction,
          targets: { ...i.targets },
        })),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/** Records a filled customer service checklist against the published standard. */
const recordChecklist = (d: RecordServiceChecklistData, state: ServiceStandardState): ServiceStandardEvent[] => {
  if (state.status === 'none') throw new DomainError('not_found', `service standard ${d.standardId} is not published`, { standardId: d.standardId });
  if (Object.hasOwn(state.checklists, d.checklistId)) {
    throw new DomainError('already_exists', `checklist ${d.checklistId} is already recorded`, { checklistId: d.checklistId });
  }
  notBefore(d.occurredAt, state.firstPublishedAt, 'the first publication of the standard');
  const areas = new Set(d.areas.map((a) => a.area));
  if (d.areas.length !== ChecklistArea.options.length || ChecklistArea.options.some((a) => !areas.has(a))) {
    throw new DomainError('invalid_state', 'a checklist gives each of the eight areas exactly once');
  }
  return [
    {
      type: 'ServiceChecklistRecorded',
      data: {
        standardId: state.standardId,
        checklistId: d.checklistId,
        formNumber: d.formNumber,
        date: d.date,
        filledBy: d.filledBy,
        reviewedBy: d.reviewedBy,
        areas: d.areas.map((a) => ({ area: a.area, satisfactory: a.satisfactory, result: a.result })),
        satisfactoryCount: d.areas.filter((a) => a.satisfactory).length,
        standardVersion: state.version,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/**
 * Decides the events of a ServiceStandard command; throws a `DomainError` when refused.
 *
 * @example
 * decideServiceStandard({ type: 'standard.publish', data }, state) // [{ type: 'ServiceStandardPublished', ... }]
 */
export const decideServiceStandard = (command: ServiceStandardCommand, state: ServiceStandardState): ServiceStandardEvent[] =>
  match(command)
    .with({ type: 'standard.publish' }, (c) => publish(c.data, state))
    .with({ type: 'standard.recordChecklist' }, (c) => recordChecklist(c.data, state))
    .exhaustive();

/**
 * Applies one event; total: a version that does not increase, or a checklist before any
 * publication, leaves the state unchanged.
 *
 * @example
 * const state = events.reduce(evolveServiceStandard, initialServiceStandardState());
 */
export const evolveServiceStandard = (state: ServiceStandardState, event: ServiceStandardEvent): ServiceStandardState =>
  match(event)
    .with({ type: 'ServiceStandardPublished' }, ({ data }): ServiceStandardState => {
      const entry = { version: data.version, effectiveFrom: data.effectiveFrom, publishedAt: data.occurredAt };
      if (state.status === 'none') {
        return {
          status: 'published',
          standardId: data.standardId,
          version: data.version,
          effectiveFrom: data.effectiveFrom,
          firstPublishedAt: data.occurredAt,
          lastPublishedAt: data.occurredAt,
          versions: [entry],
          checklists: {},
        };
      }
      if (data.version <= state.version) return state;
      return {
        ...state,
        version: data.version,
        effectiveFrom: data.effectiveFrom,
        lastPublishedAt: data.occurredAt,
        versions: [...state.versions, entry],
      };
    })
    .with({ type: 'ServiceChecklistRecorded' }, ({ data }): ServiceStandardState =>
      state.status === 'none' ? state : { ...state, checklists: { ...state.checklists, [data.checklistId]: data.occurredAt } },
    )
    .exhaustive();

/**
 * The ServiceStandard decider.
 *
 * @example
 * const events = serviceStandardDecider.decide(command, fold(serviceStandardDecider, history));
 */
export const serviceStandardDecider: Decider<ServiceStandardCommand, ServiceStandardEvent, ServiceStandardState> = {
  decide: decideServiceStandard,
  evolve: evolveServiceStandard,
  initialState: initialServiceStandardState,
};
