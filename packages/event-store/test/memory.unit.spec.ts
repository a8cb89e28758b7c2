import { createInMemoryEventStore } from '../src/index.ts';
import { contractUpcasters, eventStoreContract } from './contract.ts';

eventStoreContract('memory', async () => createInMemoryEventStore({ upcasters: contractUpcasters }));
