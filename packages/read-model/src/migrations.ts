import { type Kysely, type Migration, type MigrationResult, Migrator } from 'kysely';
import { ReadModelError } from './errors.ts';
import { safeIdentifier } from './identifiers.ts';

/**
 * One projection-owned migration, frozen in time: typed `Kysely<any>`, never importing
 * today's table types. `db` is already scoped to the projection's schema (`withSchema`);
 * `schema` is given for raw SQL.
 */
export type ProjectionMigration = {
  up: (db: Kysely<any>, schema: string) => Promise<void>;
  down?: (db: Kysely<any>, schema: string) => Promise<void>;
};

/** Migrations by name; names start with a UTC timestamp `YYYYMMDDHHMM` and run in name order. */
export type ProjectionMigrations = Readonly<Record<string, ProjectionMigration>>;

const migrationName = /^\d{12}(\d{2})?_[a-z0-9_]+$/;

/**
 * Checks migration names (`202501150930_create_counts`); throws `invalid_migration` otherwise.
 *
 * @example
 * assertMigrationNames({ '202501150930_create_counts': { up: async () => {} } });
 */
export const assertMigrationNames = (migrations: ProjectionMigrations): void => {
  const names = Object.keys(migrations);
  if (names.length === 0) throw new ReadModelError('invalid_migration', 'a projection needs at least one migration');
  for (const name of names) {
    if (!migrationName.test(name)) {
      throw new ReadModelError(
        'invalid_migration',
        `migration name "${name}" must be a timestamp YYYYMMDDHHMM[SS] then _snake_case (e.g. 202501150930_create_counts)`,
        { name },
      );
    }
    if (typeof migrations[name]?.up !== 'function') {
      throw new ReadModelError('invalid_migration', `migration "${name}" has no up()`, { name });
    }
  }
};

/**
 * Runs the pending migrations of one schema with kysely's `Migrator`: the schema is created
 * if missing, the history is kept in `<schema>.kysely_migration`, all pending migrations run
 * in one transaction under kysely's migration lock (safe with several projector instances).
 * Throws `migration_failed` (the transaction is rolled back) when one fails.
 *
 * @example
 * await migrateSchema(db, 'kpi_v2', { '202501150930_create_counts': { up: async (db) => {
 *   await db.schema.createTable('counts').addColumn('type', 'text', (c) => c.primaryKey()).execute();
 * } } });
 */
export const migrateSchema = async (
  db: Kysely<any>,
  schema: string,
  migrations: ProjectionMigrations,
): Promise<MigrationResult[]> => {
  safeIdentifier(schema);
  assertMigrationNames(migrations);
  const scoped = db.withSchema(schema);
  const adapted: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(migrations)) {
    const down = m.down;
    adapted[name] = {
      up: (tx: Kysely<any>) => m.up(tx.withSchema(schema), schema),
      ...(down ? { down: (tx: Kysely<any>) => down(tx.withSchema(schema), schema) } : {}),
    };
  }
  const migrator = new Migrator({
    db: scoped,
    provider: { getMigrations: async () => adapted },
    migrationTableSchema: schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReadModelError('migration_failed', `migrating schema ${schema} failed${failed ? ` at ${failed}` : ''}: ${reason}`, { schema, migration: failed }, { cause: error });
  }
  return results;
};
