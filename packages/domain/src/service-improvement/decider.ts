import { match } from 'ts-pattern';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { isBefore } from '../shared/values.ts';
import { indicatorMeasure, indicatorValueProblem } from '../service-standard/commands.ts';
import type {
  CloseServiceImprovementData,
  ConfirmServiceImprovementData,
  OpenServiceImprovementData,
  RecordServiceImprovementResultData,
  ServiceImprovementCommand,
} from './commands.ts';
import type { ServiceImprovementEvent } from './events.ts';
import { initialServiceImprovementState, missingConfirmations } from './state.ts';
import type { ExistingServiceImprovement, ServiceImprovementState } from './state.ts';

const notBefore = (occurredAt: string, previous: string, what: string): void => {
  if (isBefore(occurredAt, previous)) {
    throw new DomainError('out_of_order_time', `${occurredAt} is before ${what} (${previous})`, { occurredAt, previous });
  }
};

/** An existing improvement that is still open (closed is final: `invalid_state`). */
const openItem = (state: ServiceImprovementState, improvementId: string, command: string): ExistingServiceImprovement => {
  if (state.status === 'none') throw new DomainError('not_found', `service improvement ${improvementId} does not exist`, { improvementId });
  if (state.status === 'closed') throw new DomainError('invalid_state', `service improvement ${improvementId} is closed: ${command} refused`);
  return state;
};

/** Whether going from `before` to `after` is an improvement for the indicator's direction. */
const isImprovement = (indicator: ExistingServiceImprovement['indicator'], before: number, after: number): boolean =>
  indicatorMeasure[indicator].direction === 'higher_is_better' ? after > before : after < before;

const open = (d: OpenServiceImprovementData, state: ServiceImprovementState): ServiceImprovementEvent[] => {
  if (state.status !== 'none') throw new DomainError('already_exists', `service improvement ${d.improvementId} already exists`);
  if (d.endDate < d.startDate) throw new DomainError('invalid_state', `endDate ${d.endDate} is before startDate ${d.startDate}`);
  const problem = indicatorValueProblem(d.indicator, d.valueBefore);
  if (problem) throw new DomainError('invalid_quantity', `valueBefore: ${problem}`);
  const measure = indicatorMeasure[d.indicator];
  return [
    {
      type: 'ServiceImprovementOpened',
      data: {
        improvementId: d.improvementId,
        indicator: d.indicator,
        unit: measure.unit,
        direction: measure.direction,
        description: d.description,
        startDate: d.startDate,
        endDate: d.endDate,
        valueBefore: d.valueBefore,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/** Records the value after the improvement, once. */
const recordResult = (d: RecordServiceImprovementResultData, state: ServiceImprovementState): ServiceImprovementEvent[] => {
  const s = openItem(state, d.improvementId, 'improvement.recordResult');
  if (s.valueAfter !== undefined) throw new DomainError('invalid_state', 'the result is already recorded');
  notBefore(d.occurredAt, s.openedAt, 'the opening');
  const problem = indicatorValueProblem(s.indicator, d.valueAfter);
  if (problem) throw new DomainError('invalid_quantity', `valueAfter: ${problem}`);
  return [
    {
      type: 'ServiceImprovementResultRecorded',
      data: {
        improvementId: s.improvementId,
        indicator: s.indicator,
        valueBefore: s.valueBefore,
        valueAfter: d.valueAfter,
        change: d.valueAfter - s.valueBefore,
        improved: isImprovement(s.indicator, s.valueBefore, d.valueAfter),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/** Each of the three roles confirms once (`already_exists` on a second confirmation). */
const confirm = (d: ConfirmServiceImprovementData, state: ServiceImprovementState): ServiceImprovementEvent[] => {
  const s = openItem(state, d.improvementId, 'improvement.confirm');
  if (s.confirmations.some((c) => c.role === d.role)) throw new DomainError('already_exists', `${d.role} has already confirmed`, { role: d.role });
  notBefore(d.occurredAt, s.openedAt, 'the opening');
  return [
    {
      type: 'ServiceImprovementConfirmed',
      data: {
        improvementId: s.improvementId,
        role: d.role,
        by: d.by,
        confirmedRoles: [...s.confirmations.map((c) => c.role), d.role],
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/** Closing needs the result and all three confirmations (`invalid_state` otherwise). */
const close = (d: CloseServiceImprovementData, state: ServiceImprovementState): ServiceImprovementEvent[] => {
  const s = openItem(state, d.improvementId, 'improvement.close');
  const missing = missingConfirmations(s);
  if (missing.length > 0) throw new DomainError('invalid_state', `not yet confirmed by ${missing.join(', ')}`, { missing });
  if (s.valueAfter === undefined) throw new DomainError('invalid_state', 'the result is not recorded yet');
  notBefore(d.occurredAt, s.lastStepAt, 'the last result or confirmation');
  return [
    {
      type: 'ServiceImprovementClosed',
      data: {
        improvementId: s.improvementId,
        indicator: s.indicator,
        startDate: s.startDate,
        endDate: s.endDate,
        valueBefore: s.valueBefore,
        valueAfter: s.valueAfter,
        improved: isImprovement(s.indicator, s.valueBefore, s.valueAfter),
        confirmations: s.confirmations.map((c) => ({ ...c })),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/**
 * Decides the events of a ServiceImprovement command; throws a `DomainError` when refused.
 *
 * @example
 * decideServiceImprovement({ type: 'improvement.close', data }, state) // [{ type: 'ServiceImprovementClosed', ... }]
 */
export const decideServiceImprovement = (command: ServiceImprovementCommand, state: ServiceImprovementState): ServiceImprovementEvent[] =>
  match(command)
    .with({ type: 'improvement.open' }, (c) => open(c.data, state))
    .with({ type: 'improvement.recordResult' }, (c) => recordResult(c.data, state))
    .with({ type: 'improvement.confirm' }, (c) => confirm(c.data, state))
    .with({ type: 'improvement.close' }, (c) => close(c.data, state))
    .exhaustive();

const later = (a: string, b: string): string => (isBefore(a, b) ? b : a);

/**
 * Applies one event; total: an event that does not apply (before the opening, after closing,
 * a role confirming twice) leaves the state unchanged.
 *
 * @example
 * const state = events.reduce(evolveServiceImprovement, initialServiceImprovementState());
 */
export const evolveServiceImprovement = (state: ServiceImprovementState, event: ServiceImprovementEvent): ServiceImprovementState =>
  match(event)
    .with({ type: 'ServiceImprovementOpened' }, ({ data }): ServiceImprovementState =>
      state.status !== 'none'
        ? state
        : {
            status: 'open',
            improvementId: data.improvementId,
            indicator: data.indicator,
            startDate: data.startDate,
            endDate: data.endDate,
            valueBefore: data.valueBefore,
            openedAt: data.occurredAt,
            confirmations: [],
            lastStepAt: data.occurredAt,
          },
    )
    .with({ type: 'ServiceImprovementResultRecorded' }, ({ data }): ServiceImprovementState =>
      state.status !== 'open' || state.valueAfter !== undefined
        ? state
        : {
            ...state,
            valueAfter: data.valueAfter,
            improved: data.improved,
            resultAt: data.occurredAt,
            lastStepAt: later(state.lastStepAt, data.occurredAt),
          },
    )
    .with({ type: 'ServiceImprovementConfirmed' }, ({ data }): ServiceImprovementState =>
      state.status !== 'open' || state.confirmations.some((c) => c.role === data.role)
        ? state
        : {
            ...state,
            confirmations: [...state.confirmations, { role: data.role, by: data.by, confirmedAt: data.occurredAt }],
            lastStepAt: later(state.lastStepAt, data.occurredAt),
          },
    )
    .with({ type: 'ServiceImprovementClosed' }, ({ data }): ServiceImprovementState =>
      state.status !== 'open' ? state : { ...state, status: 'closed', lastStepAt: later(state.lastStepAt, data.occurredAt) },
    )
    .exhaustive();

/**
 * The ServiceImprovement decider.
 *
 * @example
 * const events = serviceImprovementDecider.decide(command, fold(serviceImprovementDecider, history));
 */
export const serviceImprovementDecider: Decider<ServiceImprovementCommand, ServiceImprovementEvent, ServiceImprovementState> = {
  decide: decideServiceImprovement,
  evolve: evolveServiceImprovement,
  initialState: initialServiceImprovementState,
};
