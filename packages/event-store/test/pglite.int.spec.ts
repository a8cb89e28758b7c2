import { sharedPglite } from '@cs/testing';
import { createPgliteEventStore } from '../src/index.ts';
import { contractUpcasters, eventStoreContract } from './contract.ts';

// PGlite has a single connection: "concurrent" appends here serialise inside PGlite, so the
// contract's race cases check the outcome rules, not real parallelism (see gaps.int.spec.ts).
eventStoreContract('pglite', async () => {
  const { db, schema } = await sharedPglite();
  return createPgliteEventStore(db, { schema, upcasters: contractUpcasters });
});
