import { kpiProjection } from '@cs/projection-kpi';
import type { Projection } from '@cs/projection-runtime';

/**
 * The projections this projector runs. During a rebuild list both versions (e.g. kpi v1 and
 * v2): v2 builds into its own schema and takes the analytics views over once caught up.
 */
export const projections: readonly Projection[] = [kpiProjection];
