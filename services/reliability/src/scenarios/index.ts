import type { Scenario } from '../support.ts';
import { badInput } from './bad-input.ts';
import { conflicts } from './conflicts.ts';
import { duplicates } from './duplicates.ts';
import { gapless } from './gapless.ts';
import { leadership } from './leadership.ts';
import { projectorCrash } from './projector-crash.ts';
import { restarts } from './restarts.ts';
import { security } from './security.ts';

/** Every scenario, in the order the suite runs them. */
export const scenarios: readonly Scenario[] = [gapless, conflicts, duplicates, badInput, restarts, projectorCrash, leadership, security];
