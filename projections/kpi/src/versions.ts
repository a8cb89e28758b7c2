import type { Projection } from '@cs/projection-runtime';
import { kpiProjection } from './projection.ts';

/**
 * The versions of the KPI projection that run: the projector (services/projector) runs these,
 * and `cs projections` resolves `<name> <version>` through the same list. During a rebuild list
 * both versions (e.g. v2 and v3): the new one builds into its own schema and takes the
 * analytics views over once caught up; drop the old one from here, then `cs projections retire` it.
 *
 * @example
 * createProjectionRuntime({ db, store, projections: kpiProjections });
 */
export const kpiProjections: readonly Projection[] = [kpiProjection];
