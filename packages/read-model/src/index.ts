export { createReadModelDatabase, type ReadModelConnection } from './database.ts';
export { sharedPgliteDialect } from './pglite-dialect.ts';
export { ReadModelError, type ReadModelErrorCode } from './errors.ts';
export { projectionSchema, safeIdentifier } from './identifiers.ts';
export {
  assertMigrationNames,
  migrateSchema,
  type ProjectionMigration,
  type ProjectionMigrations,
} from './migrations.ts';
export { migrateRuntime, runtimeMigrations } from './runtime-migrations.ts';
export { RUNTIME_SCHEMA, type RuntimeDatabase } from './runtime-database.ts';
export type {
  NewProjectionStatusRow,
  ProjectionState,
  ProjectionStatusRow,
  ProjectionStatusTable,
  ProjectionStatusUpdate,
} from './projection-status.table.ts';
export type { NewProjectionLeaseRow, ProjectionLeaseRow, ProjectionLeaseTable } from './projection-lease.table.ts';
export type {
  NewProjectionDeadLetterRow,
  ProjectionDeadLetterRow,
  ProjectionDeadLetterTable,
} from './projection-dead-letter.table.ts';
