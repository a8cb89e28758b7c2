import { kpiProjections } from '@cs/projection-kpi';
import type { Projection } from '@cs/projection-runtime';

/**
 * The projections this projector runs. The versions are listed in their package
 * (projections/kpi/src/versions.ts), where `cs projections` finds them too: the CLI may not
 * depend on this service.
 */
export const projections: readonly Projection[] = kpiProjections;
