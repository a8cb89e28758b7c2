import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/** A projection version's lifecycle: `rebuilding` until first caught up while another version serves. */
export type ProjectionState = 'running' | 'stopped' | 'rebuilding';

/** `projection_runtime.projection_status`: one row per projection version; holds THE checkpoint. */
export type ProjectionStatusTable = {
  name: string;
  version: number;
  state: ProjectionState;
  /** True for the version the `analytics` views point at (at most one per name). */
  serving: ColumnType<boolean, boolean | undefined, boolean>;
  /** Last applied (or skipped) position; '' = before the first event. Compared-and-set by every batch. */
  checkpoint: ColumnType<string, string | undefined, string>;
  last_error: string | null;
  error_position: string | null;
  /** The poison event as read (so that it can be dead-lettered without the store). */
  error_event: ColumnType<unknown, string | null | undefined, string | null> | null;
  events_behind: ColumnType<number, number | undefined, number>;
  seconds_behind: ColumnType<number, number | undefined, number>;
  events_handled: ColumnType<string | number, number | undefined, number | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  promoted_at: ColumnType<Date, Date | string | undefined, Date | string> | null;
  /** Names of the `analytics` views this version published when promoted (JSON array). */
  views: ColumnType<string[], string | undefined, string>;
};
export type ProjectionStatusRow = Selectable<ProjectionStatusTable>;
export type NewProjectionStatusRow = Insertable<ProjectionStatusTable>;
export type ProjectionStatusUpdate = Updateable<ProjectionStatusTable>;
