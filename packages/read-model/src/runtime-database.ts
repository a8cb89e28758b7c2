import type { ProjectionDeadLetterTable } from './projection-dead-letter.table.ts';
import type { ProjectionLeaseTable } from './projection-lease.table.ts';
import type { ProjectionStatusTable } from './projection-status.table.ts';

/** The schema of the projection runtime's own tables. */
export const RUNTIME_SCHEMA = 'projection_runtime';

/** The projection runtime's tables, as kysely sees them. */
export interface RuntimeDatabase {
  'projection_runtime.projection_status': ProjectionStatusTable;
  'projection_runtime.projection_leases': ProjectionLeaseTable;
  'projection_runtime.projection_dead_letters': ProjectionDeadLetterTable;
}
