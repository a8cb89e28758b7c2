import type { CommandReply } from '@cs/application';
import { createPostgresEventStore } from '@cs/event-store';
import { sendCommand } from '@cs/messaging';
import { createSimulation, type SimCommand } from '@cs/simulator';
import { createTestDatabase, ownNatsServer, ownPostgresCluster } from '@cs/testing';
import { connect } from 'nats';
import { startService } from '../processes.ts';
import { byPartition, figures, multisetDiff, readEverything, sendSim, sleep, writePath, type Scenario } from '../support.ts';

/** Replies after which a client retries with the same command id. */
const retriable = new Set(['unavailable', 'internal', 'conflict_exhausted']);
const outcome = (r: CommandReply) => (r.ok ? `ok:${r.eventTypes.join(',')}` : `error:${r.error.code}`);

/**
 * NATS and PostgreSQL restarts mid-load: the command handler service (services/command-handler
 * main.ts, a child process) runs on our own nats-server and our own PostgreSQL cluster; simulated
 * clients send `size` customers' commands (3 days) over NATS, retrying `unavailable` with the
 * same command id. A third of the way in nats-server is SIGKILLed and restarted; two thirds in
 * PostgreSQL is stopped (immediate) and restarted. Compared with a reference run: exactly one
 * effect per command and the same outcome.
 *
 * @example
 * const result = await restarts.run(10, console.log);
 */
export const restarts: Scenario = {
  name: 'NATS and PostgreSQL restarts',
  title: 'own nats-server and own PostgreSQL cluster restarted mid-load',
  sizes: { full: 150, short: 12 },
  run: async (size, log) => {
    const commands = [...createSimulation({ customers: size, days: 3, seed: 11 }).commands];
    const f = figures('NATS and PostgreSQL restarts', `${commands.length} commands (${size} customers x 3 days)`);
    const refDb = await createTestDatabase('rel_restart_ref');
    const nats = await ownNatsServer();
    let cluster: Awaited<ReturnType<typeof ownPostgresCluster>> | undefined;
    let handler: ReturnType<typeof startService> | undefined;
    try {
      try {
        cluster = await ownPostgresCluster();
      } catch (e) {
        f.check(false, `own PostgreSQL cluster could not be started here: ${e instanceof Error ? e.message : String(e)}`);
        return f.result();
      }
      const refStore = await createPostgresEventStore({ connectionString: refDb.url, max: 12 });
      const ref = writePath(refStore);
      const expected = new Map<string, CommandReply>();
      await byPartition(commands, 16, async (c) => void expected.set(c.commandId, await sendSim(ref, c)));
      const refEvents = await readEverything(refStore, refDb.url);
      await refStore.close();

      log('restarts: reference run done; starting the command handler');
      handler = startService('command-handler', { DATABASE_URL: cluster.url, NATS_URL: nats.url, LOG_LEVEL: 'warn', NATS_RECONNECT_WAIT_MS: '100' });
      const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100, waitOnFirstConnect: true });
      // Ready when it answers a harmless unknown command.
      for (let i = 0; ; i++) {
        const r = await sendCommand(nc, { type: 'probe.ready', service: 'order-desk', payload: {}, timeoutMs: 500, retries: 0 });
        if (!r.ok && r.error.code === 'unknown_command') break;
        if (i > 120) throw new Error(`command handler not ready: ${handler.output().slice(-1000)}`);
        await sleep(250);
      }
      log('restarts: command handler ready; sending');
      const replies = new Map<string, CommandReply>();
      const firstCodes: Record<string, number> = {};
      let attempts = 0;
      const deadlineOf = () => Date.now() + 120_000;
      const send = async (c: SimCommand): Promise<void> => {
        const deadline = deadlineOf();
        for (;;) {
          attempts += 1;
          const r = (await sendCommand(nc, { type: c.type, service: c.service, payload: c.payload, commandId: c.commandId, metadata: { person: c.person }, timeoutMs: 3000, retries: 1, backoffMs: 100 })) as CommandReply;
          if (!r.ok && retriable.has(r.error.code)) {
            firstCodes[r.error.code] = (firstCodes[r.error.code] ?? 0) + 1;
            if (Date.now() < deadline) {
              await sleep(200);
              continue;
            }
          }
          replies.set(c.commandId, r);
          return;
        }
      };
      let done = 0;
      const third = Math.floor(commands.length / 3);
      let natsRestarted = false;
      let pgRestarted = false;
      const chaos = (async () => {
        while (done < third) await sleep(20);
        await nats.stop();
        log('restarts: nats-server killed');
        await sleep(1500);
        await nats.start();
        natsRestarted = true;
        while (done < 2 * third) await sleep(20);
        await cluster!.stopImmediate();
        log('restarts: PostgreSQL stopped (immediate)');
        await sleep(1500);
        await cluster!.start();
        pgRestarted = true;
      })();
      await byPartition(commands, 16, async (c) => {
        await send(c);
        done += 1;
      });
      log('restarts: all commands answered');
      await chaos;
      await nc.close();
      f.r.runs = commands.length;

      let wrong = 0;
      for (const c of commands) {
        const r = replies.get(c.commandId);
        const want = expected.get(c.commandId)!;
        if (!r || outcome(r) !== outcome(want)) {
          wrong += 1;
          if (wrong <= 5) f.r.problems.push(`${c.commandId} (${c.type}): ${r ? outcome(r) : 'no reply'}, reference ${outcome(want)}`);
        }
      }
      f.r.wrongReplies = wrong;
      const store = await createPostgresEventStore({ connectionString: cluster.url, max: 2 });
      const events = await readEverything(store, cluster.url);
      await store.close();
      const key = (e: { streamId: string; type: string; metadata: { commandId: string } }) => `${e.metadata.commandId}|${e.streamId}|${e.type}`;
      const diff = multisetDiff(refEvents.map(key), events.map(key));
      if (diff.lost + diff.duplicated > 0) {
        const count = (xs: string[]) => xs.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
        const a = count(refEvents.map(key));
        const b = count(events.map(key));
        for (const k of new Set([...a.keys(), ...b.keys()])) if ((a.get(k) ?? 0) !== (b.get(k) ?? 0)) f.r.problems.push(`${k}: reference ${a.get(k) ?? 0}, stored ${b.get(k) ?? 0}`);
      }
      f.r.lost = diff.lost;
      f.r.duplicated = diff.duplicated;
      f.check(natsRestarted && pgRestarted, `restarts did not both happen during the load (nats ${natsRestarted}, postgres ${pgRestarted})`);
      f.check(handler.proc.exitCode === null && handler.proc.signalCode === null, 'the command handler process died');
      f.note(`${commands.length} commands, ${attempts} sends by the clients; transient replies retried with the same id: ${Object.entries(firstCodes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
      f.note(`${events.length} events stored (reference ${refEvents.length}); the command handler process stayed up through both restarts and reconnected`);
      log(`restarts: lost ${diff.lost}, duplicated ${diff.duplicated}, wrong ${wrong}`);
      return f.result();
    } finally {
      await handler?.kill('SIGTERM');
      await nats.cleanup();
      await cluster?.cleanup();
      await refDb.drop();
    }
  },
};
