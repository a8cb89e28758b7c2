import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * `projection_runtime.projection_leases`: who may write a projection version. `epoch` grows by
 * one at every change of owner; every batch transaction locks the row and checks it.
 */
export type ProjectionLeaseTable = {
  name: string;
  version: number;
  owner: string;
  epoch: number;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  acquired_at: ColumnType<Date, Date | string | undefined, Date | string>;
};
export type ProjectionLeaseRow = Selectable<ProjectionLeaseTable>;
export type NewProjectionLeaseRow = Insertable<ProjectionLeaseTable>;
