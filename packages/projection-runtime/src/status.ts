import type { ProjectionState, ProjectionStatusRow, RuntimeDatabase } from '@cs/read-model';
import { type Kysely, sql } from 'kysely';
import type { Projection } from './projection.ts';

const table = 'projection_runtime.projection_status' as const;

/** A projection version's status as operators see it (`cs projection status`). */
export type ProjectionStatus = {
  name: string;
  version: number;
  state: ProjectionState;
  serving: boolean;
  checkpoint: string;
  lastError: string | null;
  errorPosition: string | null;
  eventsBehind: number;
  secondsBehind: number;
  eventsHandled: number;
  updatedAt: Date;
  promotedAt: Date | null;
  views: string[];
  leaseOwner: string | null;
  leaseValid: boolean;
};

const toStatus = (r: ProjectionStatusRow & { lease_owner: string | null; lease_valid: boolean | null }): ProjectionStatus => ({
  name: r.name,
  version: r.version,
  state: r.state,
  serving: r.serving,
  checkpoint: r.checkpoint,
  lastError: r.last_error,
  errorPosition: r.error_position,
  eventsBehind: Number(r.events_behind),
  secondsBehind: Number(r.seconds_behind),
  eventsHandled: Number(r.events_handled),
  updatedAt: r.updated_at,
  promotedAt: r.promoted_at,
  views: Array.isArray(r.views) ? r.views : [],
  leaseOwner: r.lease_owner,
  leaseValid: r.lease_valid === true,
});

/**
 * The status of every projection version (or of one name), with its lease holder.
 *
 * @example
 * for (const s of await listStatus(db)) console.log(s.name, s.version, s.state, s.eventsBehind);
 */
export const listStatus = async (db: Kysely<RuntimeDatabase>, name?: string): Promise<ProjectionStatus[]> => {
  let q = db
    .selectFrom(`${table} as s`)
    .leftJoin('projection_runtime.projection_leases as l', (j) => j.onRef('l.name', '=', 's.name').onRef('l.version', '=', 's.version'))
    .selectAll('s')
    .select(['l.owner as lease_owner', sql<boolean | null>`l.expires_at > now()`.as('lease_valid')])
    .orderBy('s.name')
    .orderBy('s.version');
  if (name !== undefined) q = q.where('s.name', '=', name);
  return (await q.execute()).map(toStatus);
};

/**
 * The status of one projection version, or undefined if it never ran.
 *
 * @example
 * const s = await readStatus(db, 'kpi', 1);
 */
export const readStatus = async (db: Kysely<RuntimeDatabase>, name: string, version: number): Promise<ProjectionStatus | undefined> =>
  (await listStatus(db, name)).find((s) => s.version === version);

/**
 * The version of a projection the analytics views point at, if any.
 *
 * @example
 * const v = await servingVersion(db, 'kpi'); // 1
 */
export const servingVersion = async (db: Kysely<RuntimeDatabase>, name: string): Promise<number | undefined> =>
  (await db.selectFrom(table).select('version').where('name', '=', name).where('serving', '=', true).executeTakeFirst())?.version;

/**
 * The state a version returns to when it is (re)started: `running` if it serves or nothing of
 * its name serves, else `rebuilding` (it is building behind the serving version).
 *
 * @example
 * const state = await activeStateFor(trx, 'kpi', 2); // 'rebuilding' while kpi v1 serves
 */
export const activeStateFor = async (db: Kysely<RuntimeDatabase>, name: string, version: number): Promise<'running' | 'rebuilding'> => {
  const serving = await servingVersion(db, name);
  return serving === undefined || serving === version ? 'running' : 'rebuilding';
};

/**
 * Creates the status row of a projection version if missing (checkpoint at the start),
 * and returns the status.
 *
 * @example
 * const status = await ensureStatus(db, countsProjection);
 */
export const ensureStatus = async (db: Kysely<RuntimeDatabase>, projection: Pick<Projection, 'name' | 'version'>): Promise<ProjectionStatus> => {
  const state = await activeStateFor(db, projection.name, projection.version);
  await db
    .insertInto(table)
    .values({ name: projection.name, version: projection.version, state })
    .onConflict((oc) => oc.columns(['name', 'version']).doNothing())
    .execute();
  const status = await readStatus(db, projection.name, projection.version);
  if (!status) throw new Error(`status row of ${projection.name} v${projection.version} vanished`);
  return status;
};
