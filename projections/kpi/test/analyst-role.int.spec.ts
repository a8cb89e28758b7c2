import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { testEnv } from '@cs/testing';
import { kpiTestDatabase, SCHEMA } from './driver.ts';
import { history } from './history.ts';

// The analyst role reads the analytics views and nothing else: no raw KPI tables, no events,
// no contact data, no writes. A login is created IN ROLE analyst as docs/analysts.md says.

let t: Awaited<ReturnType<typeof kpiTestDatabase>>;
let analyst: pg.Client;
const login = `kpi_analyst_${process.pid}`;

beforeAll(async () => {
  t = await kpiTestDatabase('kpi_analyst');
  const h = history();
  h.opened('c1', '2026-02-01T09:00:00+08:00', { classification: 'key', standardColumn: 'private', region: 'East' });
  h.placed('o1', 'c1', '2026-03-01T08:00:00+08:00', { dispatch: '2026-03-01T12:00:00+08:00', delivery: '2026-03-03T12:00:00+08:00' });
  // Through the real runtime over the real PostgreSQL event store: the runtime's promotion
  // creates the analytics views and grants them to the analyst role.
  await t.projectThroughRuntime(h.events);
  // A stand-in event table and a table of another component in public: the analyst must not read them.
  await sql`CREATE TABLE public.events (id text primary key, data jsonb)`.execute(t.db);
  await sql`INSERT INTO public.events VALUES ('e1', '{"contact": {"phone": "123"}}')`.execute(t.db);
  await sql.raw(`DROP ROLE IF EXISTS ${login}`).execute(t.db);
  await sql.raw(`CREATE ROLE ${login} LOGIN IN ROLE analyst`).execute(t.db);
  const url = new URL(t.url);
  url.username = login;
  analyst = new pg.Client({ connectionString: url.toString() });
  await analyst.connect();
});
afterAll(async () => {
  await analyst?.end();
  await t.close();
  const admin = new pg.Client({ connectionString: testEnv.adminUrl });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${login}`);
  await admin.end();
});

/** Refused for want of privilege (42501), not because the object does not exist. */
const denied = async (query: string) => {
  const error = await analyst.query(query).then(
    () => undefined,
    (e: { code?: string }) => e,
  );
  expect(error?.code, query).toBe('42501');
};

const refused = async (query: string) => {
  const error = await analyst.query(query).then(
    () => undefined,
    (e: { code?: string }) => e,
  );
  expect(error, query).toBeDefined();
  // 42501 insufficient_privilege, 42P01 not even visible, 55000 a view that is not updatable at all
  expect(['42501', '42P01', '55000'], query).toContain(error?.code);
};

describe('analyst role', () => {
  it('reads every analytics view', async () => {
    const views = await t.db
      .selectFrom('information_schema.views' as any)
      .select('table_name' as any)
      .where('table_schema' as any, '=', 'analytics')
      .execute();
    expect(views.length).toBeGreaterThanOrEqual(10);
    for (const v of views as { table_name: string }[]) {
      const r = await analyst.query(`SELECT * FROM analytics.${v.table_name} LIMIT 5`);
      expect(Array.isArray(r.rows)).toBe(true);
    }
    const r = await analyst.query(`SELECT numerator, denominator FROM analytics.indicators
      WHERE indicator = 'demand_fulfilment' AND period_kind = 'day' AND dimension_kind = 'classification' AND dimension_value = 'key'`);
    expect(r.rows).toEqual([{ numerator: '0', denominator: '1' }]);
  });

  it('cannot read raw KPI tables, settings table, events or contact data', async () => {
    await denied(`SELECT * FROM ${SCHEMA}.order_facts`);
    await denied(`SELECT * FROM ${SCHEMA}.customer_attributes`);
    await denied(`SELECT * FROM ${SCHEMA}.indicator_facts`);
    await denied('SELECT * FROM kpi_config.settings');
    await denied('SELECT * FROM public.events');
    await denied('SELECT * FROM es_1.events');
    await denied('SELECT * FROM projection_runtime.projection_status');
  });

  it('cannot write anywhere', async () => {
    await refused(`UPDATE kpi_config.settings SET time_zone = 'UTC'`);
    await denied(`INSERT INTO ${SCHEMA}.order_facts (order_id, customer_id) VALUES ('x', 'y')`);
    await refused(`DELETE FROM analytics.indicators`);
    // improvements is a simple (auto-updatable) view: only the missing privilege stops the write.
    const e = await analyst.query(`DELETE FROM analytics.improvements`).catch((x: { code?: string }) => x);
    expect((e as { code?: string }).code).toBe('42501');
    await refused(`CREATE TABLE analytics.mine (x int)`);
    await refused(`CREATE TABLE public.mine (x int)`);
    await refused(`CREATE VIEW analytics.mine AS SELECT 1`);
    await refused(`DROP VIEW analytics.indicators`);
  });

  it('no analytics view exposes contact data', async () => {
    const cols = await analyst.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics'`);
    const names = cols.rows.map((r: { column_name: string }) => r.column_name);
    for (const forbidden of ['contact', 'phone', 'email', 'address', 'name', 'signatory', 'description']) {
      expect(names).not.toContain(forbidden);
    }
  });
});
