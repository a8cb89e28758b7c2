import { createTestDatabase, sharedPglite, type TestDatabase } from '@cs/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReadModelDatabase,
  migrateRuntime,
  migrateSchema,
  type ProjectionMigrations,
  ReadModelError,
} from '../src/index.ts';

const counts: ProjectionMigrations = {
  '202501150930_create_counts': {
    up: async (db) => {
      await db.schema
        .createTable('counts')
        .addColumn('type', 'text', (c) => c.primaryKey())
        .addColumn('n', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const tablesOf = async (db: Kysely<any>, schema: string): Promise<string[]> => {
  const { rows } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`.execute(db);
  return rows.map((r) => r.table_name);
};

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return e instanceof ReadModelError ? e.code : `not a ReadModelError: ${String(e)}`;
  }
  return 'no error';
};

const suite = (label: string, open: () => Promise<{ db: Kysely<any>; prefix: string; close: () => Promise<void> }>) =>
  describe(`migrations on ${label}`, () => {
    let db: Kysely<any>;
    let prefix: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ db, prefix, close } = await open());
    });
    afterAll(() => close());

    it('creates the schema, runs the migrations once, and keeps the history in the schema', async () => {
      const schema = `${prefix}_counts_v1`;
      const first = await migrateSchema(db, schema, counts);
      expect(first.map((r) => [r.migrationName, r.status])).toEqual([['202501150930_create_counts', 'Success']]);
      const again = await migrateSchema(db, schema, counts);
      expect(again).toEqual([]);
      expect(await tablesOf(db, schema)).toEqual(['counts', 'kysely_migration', 'kysely_migration_lock']);
      await db.withSchema(schema).insertInto('counts').values({ type: 'A', n: 1 }).execute();
      expect(await db.withSchema(schema).selectFrom('counts').selectAll().execute()).toEqual([{ type: 'A', n: 1 }]);
    });

    it('runs a later migration added to the map', async () => {
      const schema = `${prefix}_counts_v2`;
      await migrateSchema(db, schema, counts);
      await migrateSchema(db, schema, {
        ...counts,
        '202502010000_add_seen': {
          up: async (d, s) => {
            await sql.raw(`CREATE TABLE ${s}.seen (position text PRIMARY KEY)`).execute(d);
          },
        },
      });
      expect(await tablesOf(db, schema)).toContain('seen');
    });

    it('refuses migration names without a timestamp and bad schema names', async () => {
      expect(await codeOf(migrateSchema(db, `${prefix}_x`, { create_counts: counts['202501150930_create_counts']! }))).toBe('invalid_migration');
      expect(await codeOf(migrateSchema(db, `${prefix}_x`, {}))).toBe('invalid_migration');
      expect(await codeOf(migrateSchema(db, 'Bad"Schema', counts))).toBe('invalid_identifier');
    });

    it('rolls back every pending migration when one fails (migration_failed)', async () => {
      const schema = `${prefix}_broken_v1`;
      const code = await codeOf(
        migrateSchema(db, schema, {
          ...counts,
          '202502010000_broken': { up: async (d) => void (await sql`SELECT * FROM no_such_table`.execute(d)) },
        }),
      );
      expect(code).toBe('migration_failed');
      expect(await tablesOf(db, schema)).not.toContain('counts');
    });

    it('creates the runtime tables idempotently', async () => {
      await migrateRuntime(db);
      await migrateRuntime(db);
      expect(await tablesOf(db, 'projection_runtime')).toEqual(
        expect.arrayContaining(['projection_dead_letters', 'projection_leases', 'projection_status']),
      );
    });
  });

let pgdb: TestDatabase;
suite('PostgreSQL', async () => {
  pgdb = await createTestDatabase('read_model');
  const db = createReadModelDatabase<any>({ kind: 'postgres', url: pgdb.url });
  return {
    db,
    prefix: 'p',
    close: async () => {
      await db.destroy();
      await pgdb.drop();
    },
  };
});

suite('PGlite', async () => {
  const { db: pglite, schema } = await sharedPglite();
  const db = createReadModelDatabase<any>({ kind: 'pglite', pglite });
  return {
    db,
    prefix: schema,
    close: async () => {
      await db.destroy();
      // the shared instance must survive destroy(): it is still usable
      await pglite.query('SELECT 1');
    },
  };
});

describe('createReadModelDatabase', () => {
  it('refuses a URL that is not PostgreSQL', () => {
    expect(() => createReadModelDatabase({ kind: 'postgres', url: 'mysql://x' })).toThrowError(ReadModelError);
  });
});
