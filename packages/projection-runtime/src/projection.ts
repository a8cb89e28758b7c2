import type { RecordedEvent } from '@cs/event-store';
import { assertMigrationNames, type ProjectionMigrations, projectionSchema, safeIdentifier } from '@cs/read-model';
import type { Transaction } from 'kysely';
import { ProjectionError } from './errors.ts';

/** What `handle` gets besides the events: the batch transaction and where its tables are. */
export type ProjectionContext<DB = any> = {
  /** The batch transaction scoped to the projection's schema (`withSchema`): unqualified table names land there. */
  db: Transaction<DB>;
  /** The same transaction, unscoped (for raw SQL that names `schema` itself). */
  trx: Transaction<any>;
  /** The schema of this projection version, `${name}_v${version}`. */
  schema: string;
  name: string;
  version: number;
};

/** An analysts' view in schema `analytics`: `select` is the view's query over the version's schema. */
export type ViewDefinition = { name: string; select: string };

/**
 * A projection (Emmett-style): one object. Its tables live in schema `${name}_v${version}`,
 * created by `migrations`; `handle` applies a batch of events (only those of `eventTypes`, in
 * global order) inside the batch transaction; `views(schema)` defines the `analytics` views
 * switched over atomically on promotion, readable by the roles in `viewReaders`.
 */
export type Projection<DB = any> = {
  name: string;
  version: number;
  eventTypes: readonly string[];
  migrations: ProjectionMigrations;
  handle: (events: readonly RecordedEvent[], ctx: ProjectionContext<DB>) => Promise<void>;
  views?: (schema: string) => readonly ViewDefinition[];
  viewReaders?: readonly string[];
};

/**
 * Checks a projection's shape (identifiers, version, event types, migration names) and
 * returns it; throws `invalid_projection` with the reason.
 *
 * @example
 * export const countsProjection = defineProjection({ name: 'counts', version: 1, eventTypes: ['OrderPlaced'],
 *   migrations, handle: async (events, { db }) => { ... } });
 */
export const defineProjection = <DB = any>(projection: Projection<DB>): Projection<DB> => {
  try {
    safeIdentifier(projection.name);
    projectionSchema(projection.name, projection.version);
    assertMigrationNames(projection.migrations);
    for (const role of projection.viewReaders ?? []) safeIdentifier(role);
    for (const view of projection.views?.(projectionSchema(projection.name, projection.version)) ?? []) {
      safeIdentifier(view.name);
      if (view.select.trim() === '') throw new Error(`view ${view.name} has an empty query`);
    }
  } catch (e) {
    throw new ProjectionError('invalid_projection', `projection ${projection.name} v${projection.version}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
  }
  if (projection.eventTypes.length === 0 || projection.eventTypes.some((t) => typeof t !== 'string' || t === '')) {
    throw new ProjectionError('invalid_projection', `projection ${projection.name} v${projection.version} must list the event types it handles`);
  }
  if (typeof projection.handle !== 'function') {
    throw new ProjectionError('invalid_projection', `projection ${projection.name} v${projection.version} has no handle()`);
  }
  return projection;
};

/**
 * The schema of a projection's version.
 *
 * @example
 * schemaOf({ name: 'kpi', version: 2, ... }); // 'kpi_v2'
 */
export const schemaOf = (projection: Pick<Projection, 'name' | 'version'>): string =>
  projectionSchema(projection.name, projection.version);
