import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateRuntime, migrateSchema } from '@cs/read-model';
import { acquireLease, defineProjection, ensureStatus, type HelperContext, type Lease, ProjectionError, type SettleContext, settleBatch } from '../src/index.ts';
import { readModelDb } from './support.ts';

// settleBatch with helpers: the settle's helper transactions run at once on other backends,
// commit before the settle does (which sees their rows), and are fenced: a helper that
// outlives its settle commits nothing once the lease has changed hands.

let database: TestDatabase;
let db: Kysely<any>;
let admin: Kysely<any>;
beforeAll(async () => {
  database = await createTestDatabase('projection_settle');
  db = readModelDb(database.url, 'projector');
  admin = readModelDb(database.url, 'test-admin');
  await migrateRuntime(admin);
});
afterAll(async () => {
  for (const d of [db, admin]) await d?.destroy();
  await database?.drop();
});

const withSettle = (name: string, settle: (ctx: SettleContext) => Promise<void>) =>
  defineProjection({
    name,
    version: 1,
    eventTypes: ['Alpha'],
    migrations: {
      '202612020100_create_settled': {
        up: async (d) => {
          await d.schema.createTable('settled').addColumn('who', 'text', (c) => c.notNull()).addColumn('pid', 'integer', (c) => c.notNull()).execute();
        },
      },
    },
    handle: async () => undefined,
    settle,
  });

const prepare = async (projection: ReturnType<typeof withSettle>): Promise<Lease> => {
  await migrateSchema(admin, `${projection.name}_v1`, projection.migrations);
  await ensureStatus(admin, projection);
  return (await acquireLease(admin, { name: projection.name, version: 1, owner: 'a', ms: 60_000 }))!;
};

const record = (who: string) => async ({ db: h }: HelperContext | Pick<SettleContext, 'db'>) => {
  await sql`INSERT INTO settled (who, pid) SELECT ${who}, pg_backend_pid()`.execute(h);
};
const rows = async (schema: string) =>
  (await sql<{ who: string; pid: number }>`SELECT who, pid FROM ${sql.table(`${schema}.settled`)} ORDER BY who`.execute(admin)).rows;

/** A barrier for `n` parties: resolves for all once `n` have arrived (rejects after `ms`). */
const barrier = (n: number, ms = 10_000) => {
  let arrived = 0;
  let open: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === n) open();
    return Promise.race([all, new Promise<void>((_, reject) => setTimeout(() => reject(new Error('the helpers did not run at once')), ms))]);
  };
};

describe('settle helpers', () => {
  it('run at once on other backends and commit before the settle, which sees their rows', async () => {
    const seen: { helpers: number; rows: number }[] = [];
    const meet = barrier(2);
    const projection = withSettle('split', async (ctx) => {
      expect(ctx.helper).toBeDefined();
      await Promise.all(
        ['h1', 'h2'].map((who) =>
          ctx.helper!(async (h) => {
            await meet();
            await record(who)(h);
          }),
        ),
      );
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM settled`.execute(ctx.db);
      seen.push({ helpers: ctx.helpers, rows: n.rows[0]!.n });
      await record('settle')(ctx);
    });
    const lease = await prepare(projection);
    await settleBatch(db, { projection, lease, helpers: 2 });
    expect(seen).toEqual([{ helpers: 2, rows: 2 }]);
    const r = await rows('split_v1');
    expect(r.map((x) => x.who)).toEqual(['h1', 'h2', 'settle']);
    expect(new Set(r.map((x) => x.pid)).size).toBe(3);
  });

  it('are absent without settleHelpers', async () => {
    const got: unknown[] = [];
    const projection = withSettle('inline', async (ctx) => void got.push([ctx.helper, ctx.helpers]));
    const lease = await prepare(projection);
    await settleBatch(db, { projection, lease });
    expect(got).toEqual([[undefined, 0]]);
  });

  it('commit nothing when the lease changed hands after their settle ended', async () => {
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let late: Promise<unknown> | undefined;
    const projection = withSettle('fenced', async (ctx) => {
      await ctx.helper!(record('early'));
      // A helper left running (not awaited) by a settle that then fails.
      late = ctx.helper!(async (h) => {
        await hold;
        await record('late')(h);
      }).then(() => 'committed', (e: unknown) => (e instanceof ProjectionError ? e.code : String(e)));
      throw new Error('settle failed');
    });
    const lease = await prepare(projection);
    await expect(settleBatch(db, { projection, lease, helpers: 2 })).rejects.toThrow(/settle failed/);
    // The settle's transaction is gone: its lease expires and b takes over.
    await sql`UPDATE projection_runtime.projection_leases SET expires_at = now() - interval '1 second' WHERE name = 'fenced'`.execute(admin);
    expect(await acquireLease(admin, { name: 'fenced', version: 1, owner: 'b', ms: 60_000 })).toBeDefined();
    release();
    expect(await late).toBe('fenced');
    // The earlier helper's commit stays (a settle must redo from its own flag); the late one wrote nothing.
    expect((await rows('fenced_v1')).map((x) => x.who)).toEqual(['early']);
  });
});
