export { createTestDatabase, type TestDatabase } from './database.ts';
export { sharedPglite, ownPglite } from './pglite.ts';
export { testEnv } from './env.ts';
export { freePort, ownNatsServer, ownPostgresCluster, type OwnNatsServer, type OwnPostgresCluster } from './servers.ts';
