import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { defineProjection, listStatus, silentLogger } from '@cs/projection-runtime';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv, startProjector } from '../src/index.ts';

let database: TestDatabase;
let store: EventStore;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase('projector');
  store = await createPostgresEventStore({ connectionString: database.url, max: 2 });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await store?.close();
  await database?.drop();
});

const demo = defineProjection<{ pings: { stream: string; n: number } }>({
  name: 'demo',
  version: 1,
  eventTypes: ['Pinged'],
  migrations: {
    '202501150930_create_pings': {
      up: async (db) => void (await db.schema.createTable('pings').addColumn('stream', 'text', (c) => c.primaryKey()).addColumn('n', 'integer').execute()),
    },
  },
  handle: async (events, { db }) => {
    for (const e of events) {
      await db
        .insertInto('pings')
        .values({ stream: e.streamId, n: 1 })
        .onConflict((oc) => oc.column('stream').doUpdateSet({ n: (eb) => eb('pings.n', '+', 1) }))
        .execute();
    }
  },
  views: (schema) => [{ name: 'demo_pings', select: `SELECT stream, n FROM ${schema}.pings` }],
});

const ping = (i: number) => ({
  type: 'Pinged',
  data: { i },
  metadata: { commandId: `c-${i}`, correlationId: `c-${i}`, actor: { service: 'test' }, occurredAt: '2025-01-15T09:30:00.000Z' },
});

describe('projector', () => {
  it('runs its projections from the env against the PostgreSQL event store and stops cleanly', async () => {
    for (let i = 0; i < 12; i += 1) await store.append(`p-${i % 3}`, [ping(i)], { expectedVersion: 'any' });
    const env = readEnv({ DATABASE_URL: database.url, PROJECTOR_POLL_MS: '20', PROJECTOR_BATCH_SIZE: '5', LOG_LEVEL: 'silent' });
    const projector = await startProjector(env, [demo], silentLogger);
    try {
      const until = Date.now() + 20_000;
      for (;;) {
        const rows = await client.query('SELECT stream, n FROM analytics.demo_pings ORDER BY stream').catch(() => ({ rows: [] }));
        if (rows.rows.length === 3 && rows.rows.every((r) => r.n === 4)) break;
        if (Date.now() > until) throw new Error(`not caught up: ${JSON.stringify(rows.rows)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await projector.stop();
    }
    await projector.done;
    const status = await client.query("SELECT state, serving FROM projection_runtime.projection_status WHERE name = 'demo'");
    expect(status.rows).toEqual([{ state: 'running', serving: true }]);
    const lease = await client.query("SELECT expires_at <= now() AS released FROM projection_runtime.projection_leases WHERE name = 'demo'");
    expect(lease.rows).toEqual([{ released: true }]);
  });

  it('main.ts shuts down on SIGTERM with exit code 0', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = Date.now() + 20_000;
    while (!out.includes('projector running')) {
      if (Date.now() > until) throw new Error(`projector did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"signal":"SIGTERM"');
  });
});
