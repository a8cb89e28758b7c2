export { createTestDatabase, type TestDatabase } from './database.ts';
export { sharedPglite, ownPglite } from './pglite.ts';
export { testEnv } from './env.ts';
