import { createPostgresEventStore } from '@cs/event-store';
import { createSimulation } from '@cs/simulator';
import { createTestDatabase } from '@cs/testing';
import pg from 'pg';
import { analyticsRows, compareRows, oracleRows } from '../kpi-oracle.ts';
import { startService } from '../processes.ts';
import { byPartition, figures, readEverything, seeded, sendSim, sleep, writePath, type Scenario } from '../support.ts';

const projectorEnv = (url: string) => ({ DATABASE_URL: url, PROJECTOR_BATCH_SIZE: '5', PROJECTOR_CATCH_UP_BATCH_SIZE: '5', PROJECTOR_POLL_MS: '50', PROJECTOR_LEASE_MS: '1000', LOG_LEVEL: 'info' });

/**
 * Projector crash: a simulated history (`size * 4` customers, 10 days) is written through the
 * write path; then the projector service (services/projector main.ts, KPI projection) is
 * SIGKILLed `size` times, each time at a random moment up to 150 ms after its first committed batch, each life starting with a fresh slice of the history to catch up on,
 * during its catch-up. After the last, uninterrupted restart the analytics views must equal the
 * KPI oracle computed from the same events: nothing lost, nothing counted twice.
 *
 * @example
 * const result = await projectorCrash.run(5, console.log);
 */
export const projectorCrash: Scenario = {
  name: 'projector crash',
  title: 'kill -9 of the projector at random moments during a large catch-up',
  sizes: { full: 100, short: 5 },
  run: async (size, log) => {
    const customers = size * 4;
    const commands = [...createSimulation({ customers, days: 10, seed: 13 }).commands];
    const database = await createTestDatabase('rel_projector_crash');
    const store = await createPostgresEventStore({ connectionString: database.url, max: 16 });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const children: ReturnType<typeof startService>[] = [];
    try {
      const handler = writePath(store);
      // Half the history up front, the rest in one slice before each restart, so that every
      // projector life starts with a backlog to catch up on.
      const partitions = [...new Set(commands.map((c) => c.partition))];
      const sliceOf = (k: number) => {
        const chosen = new Set(partitions.filter((_, i) => (i < partitions.length / 2 ? 0 : 1 + (i % size)) === k));
        return commands.filter((c) => chosen.has(c.partition));
      };
      const write = (k: number) => byPartition(sliceOf(k), 16, async (c) => void (await sendSim(handler, c)));
      await write(0);
      const f = figures('projector crash', `${size} kills, ${commands.length} commands (${customers} customers x 10 days)`);
      log(`projector crash: killing the projector ${size} times`);
      let end = (await readEverything(store, database.url)).at(-1)!.position;
      const checkpoint = async () =>
        ((await client.query<{ checkpoint: string }>(`SELECT checkpoint FROM projection_runtime.projection_status WHERE name = 'kpi'`).catch(() => ({ rows: [] }))).rows[0]?.checkpoint ?? '');
      const random = seeded(size);
      let duringCatchUp = 0;
      let withProgress = 0;
      let last = '';
      for (let k = 0; k < size; k++) {
        await write(k + 1);
        end = (await readEverything(store, database.url)).at(-1)!.position;
        const child = startService('projector', projectorEnv(database.url));
        children.push(child);
        await child.waitFor('"msg":"leading projection"', 60_000);
        // The KPI projection catches up a slice in well under a second: wait for this life's
        // first committed batch, then kill it at a random moment of the rest of its catch-up.
        const started = await checkpoint();
        const until = Date.now() + 5_000;
        while ((await checkpoint()) === started && Date.now() < until) await sleep(5);
        await sleep(Math.floor(random() * 150));
        const before = await checkpoint();
        await child.kill('SIGKILL');
        if (before < end) duringCatchUp += 1;
        if (before > last) withProgress += 1;
        last = before;
      }
      const events = await readEverything(store, database.url);
      end = events.at(-1)!.position;
      const final = startService('projector', projectorEnv(database.url));
      children.push(final);
      // Caught up: at the end of the store, and serving (a rebuild's settle and its promotion
      // come after the batch that reached the end; a SIGTERM before them leaves no views).
      const caughtUp = async () => {
        const r = (
          await client.query<{ checkpoint: string; serving: boolean }>(`SELECT checkpoint, serving FROM projection_runtime.projection_status WHERE name = 'kpi'`).catch(() => ({ rows: [] }))
        ).rows[0];
        return r?.checkpoint === end && r.serving === true;
      };
      const until = Date.now() + 600_000;
      while (!(await caughtUp()) && Date.now() < until) await sleep(100);
      f.check(await caughtUp(), 'the last projector did not catch up and serve within 10 minutes');
      const how = await final.kill('SIGTERM');
      f.check(how === 0, `the last projector did not stop cleanly on SIGTERM (${String(how)}): ${final.output().slice(-1500)}`);
      f.r.runs = size;
      const cmp = compareRows(await analyticsRows(database.url), oracleRows(events));
      f.r.lost = cmp.lost;
      f.r.duplicated = cmp.duplicated;
      f.check(cmp.mismatches.length === 0, `${cmp.mismatches.length} analytics rows differ from the oracle, e.g. ${cmp.mismatches.slice(0, 3).join('; ')}`);
      // Timing decides whether a life finishes its slice before the kill; most must not.
      f.check(duringCatchUp >= Math.ceil(size * 0.8), `${size - duringCatchUp} of ${size} kills came after the catch-up had finished`);
      f.note(`${events.length} events; ${size} SIGKILLs, ${duringCatchUp} of them before the checkpoint reached the end, ${withProgress} after the killed process had moved the checkpoint`);
      f.note(`analytics views compared with the oracle: ${cmp.rows} rows, ${cmp.mismatches.length} differ; facts lost ${cmp.lost}, counted twice ${cmp.duplicated}`);
      log(`projector crash: ${cmp.mismatches.length} rows differ`);
      return f.result();
    } finally {
      for (const c of children) await c.kill('SIGKILL');
      await client.end();
      await store.close();
      await database.drop();
    }
  },
};
