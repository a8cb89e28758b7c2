/** Where the tests find their servers; defaults are the ones running on our machines and CI's. */
export const testEnv = {
  /** An admin connection used to create and drop one database per integration test file. */
  adminUrl: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://root@127.0.0.1:5432/postgres',
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  eventStoreUrl: process.env.EVENTSTORE_URL,
};
