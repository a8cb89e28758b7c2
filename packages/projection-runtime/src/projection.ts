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
  /**
   * True while this version replays a history it is far behind on and does not serve the
   * analytics views (a rebuild): the projection may defer work that only readers of a
   * current view need (e.g. maintained totals) until `settle`. False for the serving version
   * and once the version has read to the end of the store.
   */
  replaying: boolean;
};

/** What a settle helper's `body` gets: its own transaction, scoped (`db`) and unscoped (`trx`). */
export type HelperContext<DB = any> = { db: Transaction<DB>; trx: Transaction<any> };

/** What `settle` gets: the transaction and where the version's tables are. */
export type SettleContext = Omit<ProjectionContext, 'replaying'> & {
  /**
   * Present when the runtime settles a version on its own (not inside `promote`'s switch-over
   * transaction) with `settleHelpers` > 0: runs `body` in a transaction of its own on another
   * connection of the pool, committed when `body` returns, while the settle's fenced
   * transaction stays open. That transaction's lock on the lease row keeps anyone from taking
   * the lease over meanwhile, and the helper checks before it commits that the lease is still
   * this leader's (owner and epoch), so its work is fenced like the settle's. Its commit is
   * visible before the settle commits and STAYS if the settle fails afterwards: use helpers
   * only for work no reader sees (a version not serving yet) and that the settle redoes from
   * a flag it clears last, in its own transaction. Up to `helpers` at once (one backend each).
   */
  helper?: <T>(body: (ctx: HelperContext) => Promise<T>) => Promise<T>;
  /** How many helpers may run at once (0 when `helper` is absent). */
  helpers: number;
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
  /**
   * Optional, default true. `false`: `handle` does not use the events' metadata beyond
   * `recordedAt`, so the runtime reads with `metadata: false` and a store may send only that
   * (less to send and parse per event; see ReadAllOptions).
   */
  readsMetadata?: boolean;
  /**
   * Optional, default true. `false`: `handle` does not use the events' `hash` / `prevHash`, so
   * the runtime reads with `chain: false` and a store may leave them empty (see ReadAllOptions).
   */
  readsChain?: boolean;
  migrations: ProjectionMigrations;
  handle: (events: readonly RecordedEvent[], ctx: ProjectionContext<DB>) => Promise<void>;
  /**
   * Optional: completes what `handle` deferred while `replaying`, in one fenced transaction
   * (which may hand work to `helper` transactions on other backends, see `SettleContext`).
   * The runtime calls it when the version stops replaying (right after the page that ends
   * the replay, which is not full and is applied replaying too; or when it has read to the
   * end of the store), before it applies the next batch, and `promote`
   * calls it (inside the switch-over transaction, without helpers) before the views switch,
   * so the views never serve deferred work. Must be idempotent and cheap when nothing is
   * deferred, and redo from the start whatever an interrupted settle's helpers committed.
   */
  settle?: (ctx: SettleContext) => Promise<void>;
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
  for (const flag of ['readsMetadata', 'readsChain'] as const) {
    if (projection[flag] !== undefined && typeof projection[flag] !== 'boolean') {
      throw new ProjectionError('invalid_projection', `projection ${projection.name} v${projection.version}: ${flag} must be a boolean`);
    }
  }
  if (projection.settle !== undefined && typeof projection.settle !== 'function') {
    throw new ProjectionError('invalid_projection', `projection ${projection.name} v${projection.version}: settle must be a function`);
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
