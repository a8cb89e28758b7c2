import type { RuntimeDatabase } from '@cs/read-model';
import { projectionSchema, safeIdentifier } from '@cs/read-model';
import { type Kysely, sql, type Transaction } from 'kysely';
import { runSettle } from './batch.ts';
import { describeError, ProjectionError } from './errors.ts';
import { holdsLease, type Lease } from './lease.ts';
import { type Projection, schemaOf } from './projection.ts';
import { activeStateFor } from './status.ts';

const status = 'projection_runtime.projection_status' as const;

/** The schema of the analysts' views. */
export const ANALYTICS_SCHEMA = 'analytics';

const lockVersions = async (trx: Transaction<RuntimeDatabase>, name: string) =>
  trx
    .selectFrom(status)
    .select(['version', 'state', 'serving', 'checkpoint', 'events_behind', 'error_position', 'error_event', 'last_error', 'views'])
    .where('name', '=', name)
    .orderBy('version')
    .forUpdate()
    .execute();

/**
 * Switches the `analytics` views of a projection to `projection`'s version in ONE
 * transaction (DROP + CREATE of each view, the serving flag moved): analysts see either
 * the old views or the new ones, never a mix or a missing view. Refuses a stopped version
 * (`not_caught_up` unless caught up as far as its status knows, `force` skips that check).
 * The projection's `settle` runs first, in the same transaction.
 * With `lease`, the switch is fenced like a batch.
 *
 * @example
 * await promote(db, kpiV2);
 */
export const promote = async (
  db: Kysely<RuntimeDatabase>,
  projection: Projection,
  options: { force?: boolean; lease?: Lease } = {},
): Promise<void> => {
  const schema = schemaOf(projection);
  const views = projection.views?.(schema) ?? [];
  const readers = (projection.viewReaders ?? []).map(safeIdentifier);
  await db.transaction().execute(async (trx) => {
    if (options.lease && !(await holdsLease(trx, options.lease))) {
      throw new ProjectionError('fenced', `${projection.name} v${projection.version}: lease lost before promotion`);
    }
    const rows = await lockVersions(trx, projection.name);
    const target = rows.find((r) => r.version === projection.version);
    if (!target) throw new ProjectionError('not_found', `${projection.name} v${projection.version} has never run`);
    if (target.state === 'stopped') {
      throw new ProjectionError('not_caught_up', `${projection.name} v${projection.version} is stopped at ${target.error_position ?? '?'}`);
    }
    if (!options.force && Number(target.events_behind) > 0) {
      throw new ProjectionError('not_caught_up', `${projection.name} v${projection.version} is ${target.events_behind} events behind`);
    }
    await runSettle(trx, projection, 'settle before promotion');
    const old = rows.find((r) => r.serving && r.version !== projection.version);
    const newNames = new Set(views.map((v) => safeIdentifier(v.name)));
    await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${ANALYTICS_SCHEMA}`).execute(trx);
    // Drop the previous version's views (dependents first: reverse order), then create the new ones in order.
    const previous = [...(Array.isArray(old?.views) ? old.views : []), ...(Array.isArray(target.views) ? target.views : [])];
    const toDrop = [...new Set([...previous.filter((n) => !newNames.has(n)).reverse(), ...[...newNames].reverse()])];
    try {
      for (const name of toDrop) await sql.raw(`DROP VIEW IF EXISTS ${ANALYTICS_SCHEMA}.${safeIdentifier(name)}`).execute(trx);
      for (const v of views) {
        await sql.raw(`CREATE VIEW ${ANALYTICS_SCHEMA}.${v.name} AS ${v.select}`).execute(trx);
      }
      for (const role of readers) {
        await sql.raw(`GRANT USAGE ON SCHEMA ${ANALYTICS_SCHEMA} TO ${role}`).execute(trx);
        for (const v of views) await sql.raw(`GRANT SELECT ON ${ANALYTICS_SCHEMA}.${v.name} TO ${role}`).execute(trx);
      }
    } catch (e) {
      throw new ProjectionError('view_failed', `switching the analytics views to ${schema} failed: ${describeError(e)}`, { schema }, { cause: e });
    }
    if (old) {
      await trx.updateTable(status).set({ serving: false, updated_at: sql<Date>`now()` }).where('name', '=', projection.name).where('version', '=', old.version).execute();
    }
    await trx
      .updateTable(status)
      .set({ serving: true, state: 'running', promoted_at: sql<Date>`now()`, views: JSON.stringify([...newNames]), updated_at: sql<Date>`now()` })
      .where('name', '=', projection.name)
      .where('version', '=', projection.version)
      .execute();
  });
};

/**
 * Operator command: moves the poison event of a stopped projection version to
 * `projection_dead_letters` and lets the version resume after it (checkpoint := the event's
 * position, error cleared). `position` must be the one shown in the status
 * (`position_mismatch` otherwise); a running version is refused (`not_stopped`).
 *
 * @example
 * await deadLetter(db, { name: 'kpi', version: 1, position: '00000000000000000042', movedBy: 'alice', reason: 'bad unit price' });
 */
export const deadLetter = async (
  db: Kysely<RuntimeDatabase>,
  args: { name: string; version: number; position: string; movedBy: string; reason?: string },
): Promise<void> => {
  await db.transaction().execute(async (trx) => {
    const rows = await lockVersions(trx, args.name);
    const row = rows.find((r) => r.version === args.version);
    if (!row) throw new ProjectionError('not_found', `${args.name} v${args.version} has never run`);
    if (row.state !== 'stopped' || row.error_position === null) {
      throw new ProjectionError('not_stopped', `${args.name} v${args.version} is ${row.state}, not stopped on an event`);
    }
    if (row.error_position !== args.position) {
      throw new ProjectionError('position_mismatch', `${args.name} v${args.version} is stopped at ${row.error_position}, not ${args.position}`, {
        errorPosition: row.error_position,
      });
    }
    const event = (typeof row.error_event === 'string' ? JSON.parse(row.error_event) : row.error_event) as {
      id?: unknown;
      type?: unknown;
      streamId?: unknown;
    } | null;
    await trx
      .insertInto('projection_runtime.projection_dead_letters')
      .values({
        name: args.name,
        version: args.version,
        position: args.position,
        event_id: String(event?.id ?? ''),
        event_type: String(event?.type ?? ''),
        stream_id: String(event?.streamId ?? ''),
        event: JSON.stringify(event ?? null),
        error: row.last_error ?? '',
        moved_by: args.movedBy,
        reason: args.reason ?? null,
      })
      .execute();
    await trx
      .updateTable(status)
      .set({
        state: await activeStateFor(trx, args.name, args.version),
        checkpoint: args.position,
        last_error: null,
        error_position: null,
        error_event: null,
        updated_at: sql<Date>`now()`,
      })
      .where('name', '=', args.name)
      .where('version', '=', args.version)
      .where('checkpoint', '=', row.checkpoint)
      .execute();
  });
};

/**
 * Operator command: lets a stopped version retry the event it stopped on (after a fix).
 *
 * @example
 * await resume(db, { name: 'kpi', version: 1 });
 */
export const resume = async (db: Kysely<RuntimeDatabase>, args: { name: string; version: number }): Promise<void> => {
  await db.transaction().execute(async (trx) => {
    const row = (await lockVersions(trx, args.name)).find((r) => r.version === args.version);
    if (!row) throw new ProjectionError('not_found', `${args.name} v${args.version} has never run`);
    if (row.state !== 'stopped') throw new ProjectionError('not_stopped', `${args.name} v${args.version} is ${row.state}`);
    await trx
      .updateTable(status)
      .set({ state: await activeStateFor(trx, args.name, args.version), last_error: null, error_position: null, error_event: null, updated_at: sql<Date>`now()` })
      .where('name', '=', args.name)
      .where('version', '=', args.version)
      .execute();
  });
};

/**
 * Operator command: drops a version that no longer serves (its schema, status and lease).
 * Refuses the serving version (`serving`). Stop its projector first.
 *
 * @example
 * await retire(db, { name: 'kpi', version: 1 });
 */
export const retire = async (db: Kysely<RuntimeDatabase>, args: { name: string; version: number }): Promise<void> => {
  const schema = projectionSchema(args.name, args.version);
  await db.transaction().execute(async (trx) => {
    const row = (await lockVersions(trx, args.name)).find((r) => r.version === args.version);
    if (!row) throw new ProjectionError('not_found', `${args.name} v${args.version} has never run`);
    if (row.serving) throw new ProjectionError('serving', `${args.name} v${args.version} serves the analytics views; promote another version first`);
    await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(trx);
    await trx.deleteFrom(status).where('name', '=', args.name).where('version', '=', args.version).execute();
    await trx.deleteFrom('projection_runtime.projection_leases').where('name', '=', args.name).where('version', '=', args.version).execute();
  });
};
