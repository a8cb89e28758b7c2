export { applyBatch, type Lag, markStopped, settleBatch, writeLag } from './batch.ts';
export { describeError, isStatementTimeout, isTransient, ProjectionError, type ProjectionErrorCode } from './errors.ts';
export { acquireLease, holdsLease, type Lease, leaseHolder, namesHolder, releaseLease, renewLease } from './lease.ts';
export { type Logger, silentLogger } from './logger.ts';
export { ANALYTICS_SCHEMA, deadLetter, promote, resume, retire } from './operations.ts';
export { defineProjection, type Projection, type ProjectionContext, type HelperContext, schemaOf, type SettleContext, type ViewDefinition } from './projection.ts';
export { createProjectionRuntime, type ProjectionRuntime, type RuntimeOptions } from './runner.ts';
export { activeStateFor, ensureStatus, listStatus, type ProjectionStatus, readStatus, servingVersion } from './status.ts';
