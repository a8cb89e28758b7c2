import pg from 'pg';
import { testEnv } from './env.ts';

export type TestDatabase = { url: string; name: string; drop: () => Promise<void> };

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * Creates a fresh PostgreSQL database for one integration test file; `drop()` removes it
 * (terminating leftover connections first).
 *
 * @example
 * const db = await createTestDatabase('event_store');
 * afterAll(() => db.drop());
 */
export const createTestDatabase = async (prefix: string): Promise<TestDatabase> => {
  const name = `t_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: testEnv.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(testEnv.adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: testEnv.adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
};
