import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** `projection_runtime.projection_dead_letters`: events an operator took out of a projection. */
export type ProjectionDeadLetterTable = {
  id: Generated<string>;
  name: string;
  version: number;
  position: string;
  event_id: string;
  event_type: string;
  stream_id: string;
  event: ColumnType<unknown, string, string>;
  error: string;
  moved_by: string;
  reason: string | null;
  moved_at: ColumnType<Date, Date | string | undefined, never>;
};
export type ProjectionDeadLetterRow = Selectable<ProjectionDeadLetterTable>;
export type NewProjectionDeadLetterRow = Insertable<ProjectionDeadLetterTable>;
