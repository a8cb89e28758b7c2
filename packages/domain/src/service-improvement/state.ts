import type { Indicator } from '../shared/reference.ts';
import type { ImprovementRole } from './commands.ts';
import type { ImprovementConfirmation } from './events.ts';

/** The state of a service-improvement stream. Plain JSON data so it snapshots as is. */
export type ExistingServiceImprovement = {
  status: 'open' | 'closed';
  improvementId: string;
  indicator: Indicator;
  startDate: string;
  endDate: string;
  valueBefore: number;
  valueAfter?: number;
  improved?: boolean;
  openedAt: string;
  resultAt?: string;
  /** In the order given; each role at most once. */
  confirmations: ImprovementConfirmation[];
  /** Business time of the latest step (opening, result, confirmation): closing may not be earlier. */
  lastStepAt: string;
};

export type ServiceImprovementState = { status: 'none' } | ExistingServiceImprovement;

/**
 * The state of a service-improvement stream without events.
 *
 * @example
 * initialServiceImprovementState() // { status: 'none' }
 */
export const initialServiceImprovementState = (): ServiceImprovementState => ({ status: 'none' });

/**
 * The roles that have not confirmed yet.
 *
 * @example
 * missingConfirmations(state) // ['general_manager']
 */
export const missingConfirmations = (state: ExistingServiceImprovement): ImprovementRole[] =>
  (['customer_service_manager', 'department_manager', 'general_manager'] as const).filter(
    (role) => !state.confirmations.some((c) => c.role === role),
  );
