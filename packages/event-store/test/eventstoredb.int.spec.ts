import { testEnv } from '@cs/testing';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, createEventStoreDbEventStore, EventStoreError, translateEsdbError } from '../src/index.ts';
import { contractUpcasters, eventStoreContract } from './contract.ts';

// No EventStoreDB server can be installed on our machines: the contract runs against a real
// cluster only when EVENTSTORE_URL is set (e.g. esdb://localhost:2113?tls=false). We never fake one.
const url = testEnv.eventStoreUrl;
if (!url) console.log('eventstoredb contract skipped: EVENTSTORE_URL not set');

describe.skipIf(!url)('EventStoreDB (EVENTSTORE_URL)', () => {
  eventStoreContract('eventstoredb', async () => createEventStoreDbEventStore({ connectionString: url!, upcasters: contractUpcasters }), { atomicBatch: false });
});

describe('EventStoreDB error translation (no server needed)', () => {
  it('maps the client error types to coded errors, never leaking raw ones', () => {
    expect(translateEsdbError(Object.assign(new Error('wev'), { type: 'wrong-expected-version' }), 'S-1', 3)).toBeInstanceOf(ConcurrencyError);
    expect(translateEsdbError(Object.assign(new Error('down'), { type: 'unavailable' }))).toMatchObject({ code: 'unavailable', retriable: true });
    expect(translateEsdbError(Object.assign(new Error('late'), { type: 'deadline-exceeded' }))).toMatchObject({ code: 'unavailable', retriable: true });
    expect(translateEsdbError(Object.assign(new Error('big'), { type: 'maximum-append-size-exceeded' }))).toMatchObject({ code: 'invalid_event' });
    const other = translateEsdbError(new Error('weird'));
    expect(other).toBeInstanceOf(EventStoreError);
    expect(other).toMatchObject({ code: 'internal', retriable: false });
  });
  it('a refused connection is unavailable and retriable', async () => {
    const store = createEventStoreDbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false&defaultDeadline=2000' });
    try {
      expect(await store.streamHead('S-1').catch((e: unknown) => e)).toMatchObject({ code: 'unavailable', retriable: true });
    } finally {
      await store.close();
    }
  });
});
