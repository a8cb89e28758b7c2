import { fileURLToPath } from 'node:url';
import { applyAuditMigration } from '@cs/audit';
import { createPostgresEventStore } from '@cs/event-store';
import { natsUsers, passwordVariable, sendCommand } from '@cs/messaging';
import { kpiProjection } from '@cs/projection-kpi';
import { createProjectionRuntime, schemaOf } from '@cs/projection-runtime';
import { createReadModelDatabase } from '@cs/read-model';
import { simulate } from '@cs/simulator';
import { createTestDatabase, ownNatsServer } from '@cs/testing';
import { connect } from 'nats';
import pg from 'pg';
import { serveCommands } from '../catalogue.ts';
import { figures, writePath, type Scenario } from '../support.ts';

const CONF = fileURLToPath(new URL('../../../../docs/nats-server.conf', import.meta.url));
const passwordOf = (user: string) => `reliability-${user}-secret`;

/** Strings that break naively concatenated SQL (and a few other interpreters). */
export const injectionStrings = [
  "'; DROP TABLE event_store.events; --",
  "Robert'); DELETE FROM event_store.streams WHERE ('1'='1",
  "' OR '1'='1",
  "1; UPDATE event_store.events SET data = '{}' --",
  "$$; DROP SCHEMA analytics CASCADE; $$",
  "\\'; SELECT pg_sleep(10); --",
  "E'\\x27; TRUNCATE audit.access_log; --",
  '"; DROP ROLE analyst; --',
  "') UNION SELECT password FROM pg_shadow --",
  '<script>alert(1)</script>',
  '${process.exit(1)}',
  '%s%s%s%n',
];

/**
 * Security: the analyst and auditor PostgreSQL roles try to write and to read raw events
 * (every attempt must be refused with insufficient_privilege; their own views stay readable);
 * NATS users send commands they have no permission for (each must get `unauthorized`); and
 * commands carry SQL injection strings in every text field (`size` rounds): they are stored
 * verbatim, nothing else changes, and the KPI read model holds them verbatim.
 *
 * @example
 * const result = await security.run(2, console.log);
 */
export const security: Scenario = {
  name: 'security',
  title: 'roles, NATS permissions, SQL injection strings',
  sizes: { full: 12, short: 3 },
  run: async (size, log) => {
    const f = figures('security', `${size} injection rounds, role and permission probes`);
    const database = await createTestDatabase('rel_security');
    const store = await createPostgresEventStore({ connectionString: database.url, max: 6 });
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    const env: Record<string, string> = {};
    for (const { user } of natsUsers()) env[passwordVariable(user)] = passwordOf(user);
    const nats = await ownNatsServer({ configPath: CONF, env });
    const asUser = (user: string) => connect({ servers: nats.url, user, pass: passwordOf(user), inboxPrefix: `_INBOX.${user}` });
    try {
      await applyAuditMigration(pool as never);
      const handlerNc = await asUser('command-handler');
      const service = await serveCommands(handlerNc, writePath(store));
      const desk = await asUser('order-desk');
      const callCentre = await asUser('call-centre');

      // 1. Injection strings in every text field, sent by the services allowed to.
      const templates = new Map<string, Record<string, unknown>>();
      for (const c of simulate({ customers: 2, days: 30, seed: 23 })) if (!templates.has(c.type)) templates.set(c.type, c.payload);
      const sent: { stream: string; type: string; payload: Record<string, unknown> }[] = [];
      let wrong = 0;
      const poison = (value: unknown, k: number): unknown => {
        if (typeof value === 'string' && !/^\d{4}-\d\d-\d\dT/.test(value) && !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(value)) return injectionStrings[k % injectionStrings.length];
        if (Array.isArray(value)) return value.map((v, i) => poison(v, k + i));
        if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v], i) => [key, poison(v, k + i)]));
        return value;
      };
      for (let round = 0; round < size; round++) {
        const customerId = `rel-sec-${round}`;
        const open = poison({ ...templates.get('customer.open')!, customerId }, round) as Record<string, unknown>;
        // Free-text fields that are plain words in the template (region, industry, names) get an injection string too.
        for (const key of ['name', 'industry', 'region', 'accountOwner', 'localSalesperson']) if (typeof open[key] === 'string') open[key] = injectionStrings[(round + key.length) % injectionStrings.length];
        const complaint = poison({ ...templates.get('complaint.receive')!, complaintId: `rel-sec-k${round}`, customerId, number: `TS-2026-${String(800_000 + round).padStart(6, '0')}` }, round + 3) as Record<string, unknown>;
        delete complaint.orderId;
        for (const [nc, type, service, payload, stream] of [
          [desk, 'customer.open', 'order-desk', open, `CustomerAccount-${customerId}`],
          [callCentre, 'complaint.receive', 'call-centre', complaint, `Complaint-rel-sec-k${round}`],
        ] as const) {
          const r = await sendCommand(nc, { type, service, payload, retries: 0 });
          if (!r.ok) {
            wrong += 1;
            f.r.problems.push(`${type} with injection strings refused: ${JSON.stringify(r).slice(0, 300)}`);
          } else sent.push({ stream, type, payload });
        }
      }
      let notVerbatim = 0;
      for (const s of sent) {
        const [e] = await store.readStream(s.stream);
        const data = (e?.data ?? {}) as Record<string, unknown>;
        for (const [key, value] of Object.entries(s.payload)) {
          if (typeof value === 'string' && injectionStrings.includes(value) && data[key] !== value) {
            notVerbatim += 1;
            f.r.problems.push(`${s.type}.${key} stored as ${JSON.stringify(data[key])}, sent ${JSON.stringify(value)}`);
          }
        }
      }
      // Project and look for the injected region verbatim in the read model.
      const rm = createReadModelDatabase<any>({ kind: 'postgres', url: database.url, onIdleError: () => undefined });
      const runtime = createProjectionRuntime({ db: rm, store, projections: [kpiProjection], batchSize: 200, pollMs: 20 });
      await runtime.caughtUp();
      await runtime.stop();
      await rm.destroy();
      const kpi = schemaOf(kpiProjection);
      const regions = (await pool.query<{ value: string }>(`SELECT value FROM ${kpi}.customer_attributes WHERE attribute = 'region'`)).rows.map((r) => r.value);
      const sentRegions = sent.filter((s) => s.type === 'customer.open').map((s) => String(s.payload.region));
      const missingRegions = sentRegions.filter((r) => !regions.includes(r)).length;
      const tablesLeft = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema IN ('event_store', 'analytics', 'audit', $1)`, [kpi])).rows[0]!.n;
      const eventsLeft = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_store.events`)).rows[0]!.n;
      f.check(missingRegions === 0, `${missingRegions} injected regions not found verbatim in the KPI customer attributes`);
      // complaint.receive also claims its number on an internal stream: at least one event per accepted command.
      f.check(eventsLeft >= sent.length, `${eventsLeft} events left, ${sent.length} commands accepted`);

      // 2. Roles: every write and every raw read refused; their views readable.
      const attempt = async (role: string, statement: string): Promise<string> => {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          await c.query(`SET LOCAL ROLE ${role}`);
          await c.query(statement);
          return 'allowed';
        } catch (e) {
          return (e as { code?: string }).code ?? 'error';
        } finally {
          await c.query('ROLLBACK').catch(() => undefined);
          c.release();
        }
      };
      const forbidden: [string, string][] = [];
      for (const role of ['analyst', 'auditor']) {
        forbidden.push(
          [role, 'SELECT * FROM event_store.events LIMIT 1'],
          [role, 'SELECT * FROM event_store.command_outcomes LIMIT 1'],
          [role, `INSERT INTO event_store.streams (stream_id, version, last_hash) VALUES ('x', 1, 'x')`],
          [role, `UPDATE event_store.events SET data = '{}'::jsonb`],
          [role, 'DELETE FROM event_store.events'],
          [role, 'TRUNCATE event_store.events'],
          [role, `SELECT * FROM ${kpi}.order_facts LIMIT 1`],
          [role, `UPDATE ${kpi}.customer_attributes SET value = 'x'`],
          [role, 'DELETE FROM analytics.indicators'],
          [role, 'CREATE TABLE analytics.mine (x int)'],
          [role, 'CREATE TABLE public.mine (x int)'],
          [role, `UPDATE kpi_config.settings SET time_zone = 'UTC'`],
          [role, 'SELECT * FROM projection_runtime.projection_status'],
        );
      }
      forbidden.push(['analyst', 'SELECT * FROM audit.events LIMIT 1'], ['auditor', 'DELETE FROM audit.access_log']);
      let allowed = 0;
      const outcomes: Record<string, number> = {};
      for (const [role, statement] of forbidden) {
        const code = await attempt(role, statement);
        outcomes[code] = (outcomes[code] ?? 0) + 1;
        // 42501 insufficient_privilege; on a view PostgreSQL may first answer 55000 (not
        // updatable), also a refusal. 42P01 (relation missing) never counts as refused.
        if (code !== '42501' && !(code === '55000' && statement.includes('analytics.'))) {
          allowed += 1;
          f.r.problems.push(`${role}: "${statement}" gave ${code}, expected 42501 (insufficient_privilege)`);
        }
      }
      const analystReads = await attempt('analyst', 'SELECT count(*) FROM analytics.indicators');
      const auditorReads = await attempt('auditor', 'SELECT count(*) FROM audit.events');
      f.check(analystReads === 'allowed', `analyst cannot read analytics.indicators (${analystReads})`);
      f.check(auditorReads === 'allowed', `auditor cannot read audit.events (${auditorReads})`);

      // 3. NATS: users without permission for a subject.
      const probes: [string, string, string][] = [
        ['analyst', 'order.place', 'analyst'],
        ['analyst', 'order.place', 'order-desk'],
        ['auditor', 'customer.open', 'auditor'],
        ['warehouse', 'order.place', 'warehouse'],
        ['warehouse', 'order.place', 'order-desk'],
        ['call-centre', 'order.cancel', 'call-centre'],
        ['returns-desk', 'customer.setCreditLimits', 'returns-desk'],
        ['dispatch', 'complaint.close', 'dispatch'],
      ];
      let natsWrong = 0;
      for (const [user, type, service] of probes) {
        const nc = await asUser(user);
        const r = await sendCommand(nc, { type, service, payload: { ...templates.get('customer.open')!, customerId: 'rel-sec-x', orderId: 'rel-sec-x' }, retries: 0, timeoutMs: 2000 });
        await nc.close().catch(() => undefined);
        if (r.ok || r.error.code !== 'unauthorized') {
          natsWrong += 1;
          f.r.problems.push(`NATS user ${user} sending ${type} as ${service}: ${JSON.stringify(r).slice(0, 200)}`);
        }
      }
      const stillAllowed = await sendCommand(desk, { type: 'customer.open', service: 'order-desk', payload: { ...templates.get('customer.open')!, customerId: 'rel-sec-ok' }, retries: 0 });
      f.check(stillAllowed.ok, `order-desk may not open a customer: ${JSON.stringify(stillAllowed)}`);
      await service.stop();
      for (const nc of [handlerNc, desk, callCentre]) await nc.close().catch(() => undefined);

      f.r.runs = sent.length + forbidden.length + probes.length;
      f.r.wrongReplies = wrong + allowed + natsWrong + notVerbatim;
      f.note(`injection: ${sent.length} commands with injection strings in every text field accepted, stored verbatim (${notVerbatim} differ); ${tablesLeft} tables still in place; injected regions found verbatim in the read model: ${sentRegions.length - missingRegions} of ${sentRegions.length}`);
      f.note(`roles: ${forbidden.length} forbidden statements by analyst and auditor, ${allowed} not refused (${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}); analyst reads analytics: ${analystReads}, auditor reads audit.events: ${auditorReads}`);
      f.note(`NATS: ${probes.length} sends without permission, ${probes.length - natsWrong} answered unauthorized (permissions violation)`);
      log(`security: wrong ${f.r.wrongReplies}`);
      return f.result();
    } finally {
      await nats.cleanup();
      await pool.end();
      await store.close();
      await database.drop();
    }
  },
};
