import pg from 'pg';

export type BenchDatabase = { url: string; name: string; drop: () => Promise<void> };

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * Creates the dedicated database of one bench run (jit off, as the analysts' guide advises);
 * `drop()` removes it, terminating leftover connections.
 *
 * @example
 * const db = await createBenchDatabase('postgres://root@127.0.0.1:5432/postgres');
 * try { ... } finally { await db.drop(); }
 */
export const createBenchDatabase = async (adminUrl: string): Promise<BenchDatabase> => {
  const name = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.query(`ALTER DATABASE "${name}" SET jit = off`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
};
