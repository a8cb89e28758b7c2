import { createPostgresEventStore } from '@cs/event-store';
import { kpiProjection } from '@cs/projection-kpi';
import { createProjectionRuntime, leaseHolder, readStatus, schemaOf, servingVersion } from '@cs/projection-runtime';
import { createReadModelDatabase } from '@cs/read-model';
import { createSimulation } from '@cs/simulator';
import { createTestDatabase } from '@cs/testing';
import pg from 'pg';
import { analyticsRows, compareRows, oracleRows } from '../kpi-oracle.ts';
import { byPartition, figures, readEverything, sendSim, sleep, writePath, type Scenario } from '../support.ts';

/**
 * Projector leadership: two projector instances (KPI projection, each with its own connection
 * pool) compete for the lease while a simulated history is written; `size` times the leader's
 * database connection is terminated (pg_terminate_backend) while it is inside a batch
 * transaction. The standby must take over, and the analytics views must equal the oracle at
 * the end: nothing applied twice, nothing lost.
 *
 * @example
 * const result = await leadership.run(3, console.log);
 */
export const leadership: Scenario = {
  name: 'projector leadership',
  title: "two projectors; the leader's connection terminated mid-batch",
  sizes: { full: 20, short: 3 },
  run: async (size, log) => {
    // The history must outlast every termination: with too few commands the projectors catch up
    // before the last termination and find no batch in flight to cut (a harness miss).
    const commands = [...createSimulation({ customers: Math.max(size * 10, 80), days: 10, seed: 17 }).commands];
    const f = figures('projector leadership', `${size} terminations, ${commands.length} commands written meanwhile`);
    const database = await createTestDatabase('rel_leadership');
    const store = await createPostgresEventStore({ connectionString: database.url, max: 16 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const dbs = ['a', 'b'].map((x) => createReadModelDatabase<any>({ kind: 'postgres', url: database.url, applicationName: `rel-projector-${x}`, onIdleError: () => undefined }));
    const common = { store, projections: [kpiProjection], batchSize: 10, catchUpBatchSize: 10, pollMs: 20, leaseMs: 1000, standbyPollMs: 50 };
    const runtimes = dbs.map((db, i) => createProjectionRuntime({ ...common, db, owner: `rel-${'ab'[i]}` }));
    try {
      const handler = writePath(store);
      let writing = true;
      const writer = byPartition(commands, 8, async (c) => void (await sendSim(handler, c))).finally(() => (writing = false));
      let terminated = 0;
      let takeovers = 0;
      let missed = 0;
      for (let k = 0; k < size; k++) {
        const holder = await leaseHolder(dbs[0]!, kpiProjection.name, kpiProjection.version).catch(() => undefined);
        if (!holder) {
          await sleep(100);
          k -= 1;
          continue;
        }
        const app = `rel-projector-${holder.owner.slice(-1)}`;
        // Wait for the leader to be inside a batch transaction, then cut its connection.
        let pid: number | undefined;
        const until = Date.now() + 10_000;
        while (pid === undefined && Date.now() < until) {
          const r = await admin.query<{ pid: number }>(
            // Only the batch transaction itself: it holds the lease row FOR UPDATE (RowShareLock on
            // the lease table) — not a status read or a lease renewal of the same pool.
            `SELECT a.pid FROM pg_stat_activity a WHERE a.application_name = $1 AND a.datname = current_database() AND a.xact_start IS NOT NULL
               AND (a.state = 'idle in transaction' OR (a.state = 'active' AND a.query ILIKE $2))
               AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.relation = 'projection_runtime.projection_leases'::regclass AND l.mode = 'RowShareLock')`,
            [app, `%${schemaOf(kpiProjection)}%`],
          );
          pid = r.rows[0]?.pid;
          if (pid === undefined) await sleep(2);
        }
        if (pid === undefined) {
          missed += 1;
          continue;
        }
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        terminated += 1;
        const untilTakeover = Date.now() + 15_000;
        let next = holder.owner;
        while (next === holder.owner && Date.now() < untilTakeover) {
          await sleep(50);
          next = (await leaseHolder(dbs[0]!, kpiProjection.name, kpiProjection.version).catch(() => undefined))?.owner ?? holder.owner;
        }
        if (next !== holder.owner) takeovers += 1;
      }
      await writer;
      void writing;
      const events = await readEverything(store, database.url);
      const end = events.at(-1)!.position;
      const until = Date.now() + 300_000;
      while ((await readStatus(dbs[0]!, kpiProjection.name, kpiProjection.version))?.checkpoint !== end && Date.now() < until) await sleep(100);
      f.check((await readStatus(dbs[0]!, kpiProjection.name, kpiProjection.version))?.checkpoint === end, 'the projectors did not catch up within 5 minutes');
      // Caught up is not yet promoted: the analytics views appear at the leader's next idle poll.
      while ((await servingVersion(dbs[0]!, kpiProjection.name)) !== kpiProjection.version && Date.now() < until) await sleep(100);
      f.check((await servingVersion(dbs[0]!, kpiProjection.name)) === kpiProjection.version, 'the caught-up version was not promoted within 5 minutes');
      f.r.runs = terminated;
      const cmp = compareRows(await analyticsRows(database.url), oracleRows(events));
      f.r.lost = cmp.lost;
      f.r.duplicated = cmp.duplicated;
      f.check(cmp.mismatches.length === 0, `${cmp.mismatches.length} analytics rows differ from the oracle, e.g. ${cmp.mismatches.slice(0, 3).join('; ')}`);
      f.check(terminated === size, `${size - terminated} terminations found no batch in flight (${missed} missed)`);
      f.check(takeovers === terminated, `the standby took over after ${takeovers} of ${terminated} terminations`);
      f.note(`${terminated} leader connections terminated inside a batch transaction; the standby took the lease ${takeovers} times; ${events.length} events projected`);
      f.note(`analytics views compared with the oracle: ${cmp.rows} rows, ${cmp.mismatches.length} differ; facts lost ${cmp.lost}, counted twice ${cmp.duplicated}`);
      log(`leadership: ${terminated} terminations, ${takeovers} takeovers`);
      return f.result();
    } finally {
      for (const r of runtimes) await r.stop().catch(() => undefined);
      for (const db of dbs) await db.destroy().catch(() => undefined);
      await admin.end();
      await store.close();
      await database.drop();
    }
  },
};
