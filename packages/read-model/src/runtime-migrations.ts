import { type Kysely, sql } from 'kysely';
import { type ProjectionMigrations, migrateSchema } from './migrations.ts';
import { RUNTIME_SCHEMA } from './runtime-database.ts';

/** The runtime's own migrations (frozen in time; `db` is scoped to `projection_runtime`). */
export const runtimeMigrations: ProjectionMigrations = {
  '202501010000_projection_runtime': {
    up: async (db: Kysely<any>) => {
      await db.schema
        .createTable('projection_status')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('running', 'stopped', 'rebuilding')`))
        .addColumn('serving', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('checkpoint', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('last_error', 'text')
        .addColumn('error_position', 'text')
        .addColumn('error_event', 'jsonb')
        .addColumn('events_behind', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('seconds_behind', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('events_handled', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('promoted_at', 'timestamptz')
        .addColumn('views', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addPrimaryKeyConstraint('projection_status_pk', ['name', 'version'])
        .execute();
      await db.schema
        .createIndex('projection_status_one_serving')
        .on('projection_status')
        .column('name')
        .unique()
        .where(sql.ref('serving'), '=', true)
        .execute();
      await db.schema
        .createTable('projection_leases')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('projection_leases_pk', ['name', 'version'])
        .execute();
      await db.schema
        .createTable('projection_dead_letters')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('position', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('stream_id', 'text', (c) => c.notNull())
        .addColumn('event', 'jsonb', (c) => c.notNull())
        .addColumn('error', 'text', (c) => c.notNull())
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('moved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('projection_dead_letters_position', ['name', 'version', 'position'])
        .execute();
    },
  },
};

/**
 * Creates or upgrades the runtime's own tables (schema `projection_runtime`). Idempotent and
 * safe to run from several projector instances at once.
 *
 * @example
 * await migrateRuntime(db);
 */
export const migrateRuntime = async (db: Kysely<any>): Promise<void> => {
  await migrateSchema(db, RUNTIME_SCHEMA, runtimeMigrations);
};
