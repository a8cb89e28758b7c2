export {
  START,
  type AppendOptions,
  type AppendResult,
  type CommandOutcome,
  type EventMetadata,
  type EventStore,
  type ExpectedVersion,
  type Idempotency,
  type LoadedStream,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SubscribeOptions,
  type Subscription,
} from './port.ts';
export {
  ConcurrencyError,
  DuplicateCommandError,
  EventStoreError,
  IdempotencyKeyReusedError,
  type EventStoreErrorCode,
} from './errors.ts';
export { canonicalJson, canonicalJsonWithCopy } from './canonical-json.ts';
export {
  deterministicUuid,
  eventHash,
  sha256Hex,
  verifyChain,
  ZERO_HASH,
  type ChainProblem,
  type ChainVerification,
  type HashableEvent,
} from './hash.ts';
export { createUpcasters, noUpcasters, type Upcaster, type Upcasters } from './upcasting.ts';
export { checkExpectedVersion, checkOutcome, prepareEvents, prepareEventsJson, typeFilter, metadataWanted, type PreparedEvent, type PreparedJson } from './write-path.ts';
export { pollingSubscription } from './subscription.ts';
export { createInMemoryEventStore, type InMemoryEventStoreOptions } from './memory.ts';
export { pgExecutor, pgliteExecutor, type QueryOptions, type SqlExecutor } from './sql/executor.ts';
export { migrate, migrations, type Migration } from './sql/migrations.ts';
export { translateSqlError } from './sql/translate.ts';
export { createSqlEventStore, type SqlEventStore, type SqlEventStoreOptions } from './sql/store.ts';
export { createPostgresEventStore, type PostgresEventStoreOptions } from './postgres.ts';
export { createPgliteEventStore } from './pglite.ts';
export { loadAggregate, loadStream } from './load-aggregate.ts';
export { createEventStoreDbEventStore, translateEsdbError, type EventStoreDbOptions } from './eventstoredb.ts';
export { DataDirInUseError, lockPgliteDataDir, openPgliteDataDir, type DataDirLock, type PgliteDataDir } from './pglite-data-dir.ts';
