import { defineProjection } from '@cs/projection-runtime';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv, startProjector } from '../src/index.ts';

// Review of the projector's wiring: each case here failed on the code before its fix.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('projector_review');
});
afterAll(async () => {
  await database?.drop();
});

const noop = defineProjection({
  name: 'esdb_wiring',
  version: 1,
  eventTypes: ['Pinged'],
  migrations: { '202612041300_none': { up: async () => undefined } },
  handle: async () => undefined,
});

describe('projector wiring', () => {
  it('EVENT_STORE=eventstoredb opens the EventStoreDB adapter and its projections read from it', async () => {
    const warnings: { msg: string; err: string }[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (o: Record<string, unknown>, msg: string) => void warnings.push({ msg, err: String(o.err ?? '') }),
    };
    const env = readEnv({
      DATABASE_URL: database.url,
      EVENT_STORE: 'eventstoredb',
      // Nothing listens there: the runtime's reads fail as "unavailable" and it steps down.
      EVENTSTORE_URL: 'esdb://127.0.0.1:1?tls=false&defaultDeadline=2000',
      PROJECTOR_LEASE_MS: '500',
      PROJECTOR_SETTLE_HELPERS: '0',
    });
    const projector = await startProjector(env, [noop], logger);
    try {
      const until = Date.now() + 20_000;
      while (Date.now() < until && !warnings.some((w) => w.msg === 'stepping down')) await new Promise((r) => setTimeout(r, 50));
      // The leader read the EventStoreDB store (and found no server): the adapter was opened.
      expect(warnings.find((w) => w.msg === 'stepping down')?.err).toMatch(/EventStoreError/);
    } finally {
      await projector.stop();
    }
  });
});
