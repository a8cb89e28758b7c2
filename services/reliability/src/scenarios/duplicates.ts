import type { CommandHandler, CommandReply } from '@cs/application';
import { canonicalJson, createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createSimulation, type SimCommand } from '@cs/simulator';
import { createTestDatabase } from '@cs/testing';
import { byPartition, figures, multisetDiff, readEverything, rootCommandId, seeded, sendSim, writePath, type Scenario } from '../support.ts';

/** A reply without the `duplicate` flag (keys in canonical order): what must be identical across the copies of a command. */
const essence = (r: CommandReply) => {
  const { duplicate: _ignored, ...rest } = r;
  return canonicalJson(rest);
};
/** What must agree with the reference run (positions differ between two stores). */
const outcome = (r: CommandReply) => (r.ok ? `ok:${r.eventTypes.join(',')}` : `error:${r.error.code}`);

/**
 * Duplicates: a simulation (`size` customers, 5 days) where every command is sent 1-3 times:
 * copies side by side, and copies re-sent later after the handler was restarted (new store
 * connections, new handler). Compared with a reference run that sends each command once:
 * exactly one effect per command (same events per command id), identical replies per id.
 *
 * @example
 * const result = await duplicates.run(20, console.log);
 */
export const duplicates: Scenario = {
  name: 'duplicates',
  title: 'every command sent 1-3 times, concurrently and after restarts',
  sizes: { full: 250, short: 20 },
  run: async (size, log) => {
    const commands = [...createSimulation({ customers: size, days: 5, seed: 7 }).commands];
    const f = figures('duplicates', `${commands.length} commands (${size} customers x 5 days), 1-3 copies each`);
    const refDb = await createTestDatabase('rel_dup_ref');
    const db = await createTestDatabase('rel_dup');
    const open = () => createPostgresEventStore({ connectionString: db.url, max: 12 });
    const stores: EventStore[] = [];
    try {
      // The reference: each command once.
      const refStore = await createPostgresEventStore({ connectionString: refDb.url, max: 12 });
      stores.push(refStore);
      const ref = writePath(refStore);
      const expected = new Map<string, CommandReply>();
      await byPartition(commands, 16, async (c) => void expected.set(c.commandId, await sendSim(ref, c)));

      const random = seeded(size);
      const copies = commands.map(() => 1 + Math.floor(random() * 3));
      const split = commands.map(() => random() < 0.4);
      // A copy is sent with its siblings, or kept for after a restart.
      const later: SimCommand[] = [];
      const replies = new Map<string, CommandReply[]>();
      const record = (id: string, r: CommandReply) => replies.set(id, [...(replies.get(id) ?? []), r]);
      let handler: CommandHandler = writePath((stores[stores.push(await open()) - 1])!);
      let sent = 0;
      const restartAt = new Set([Math.floor(commands.length / 3), Math.floor((2 * commands.length) / 3)]);
      let restarts = 0;
      let restarting: Promise<void> | undefined;
      const restart = async () => {
        // A new handler on new connections; the old store is closed once its commands finish.
        const old = stores[stores.length - 1]!;
        const fresh = await open();
        stores.push(fresh);
        handler = writePath(fresh);
        restarts += 1;
        void old;
      };
      await byPartition(commands, 16, async (c, i) => {
        if (restarting) await restarting;
        const now = copies[i]!;
        const together = split[i] ? 1 : now;
        for (let k = together; k < now; k++) later.push(c);
        const h = handler;
        const rs = await Promise.all(Array.from({ length: together }, () => sendSim(h, c)));
        for (const r of rs) record(c.commandId, r);
        sent += together;
        if (restartAt.has(i)) restarting = restart();
      });
      await restarting;
      await restart();
      // The kept copies, after the restart, all at once.
      const h = handler;
      await Promise.all(
        later.map(async (c) => {
          record(c.commandId, await sendSim(h, c));
          sent += 1;
        }),
      );
      f.r.runs = sent;

      let wrong = 0;
      for (const c of commands) {
        const rs = replies.get(c.commandId) ?? [];
        const want = expected.get(c.commandId)!;
        const firstEssence = rs[0] ? essence(rs[0]) : '';
        const same = rs.every((r) => essence(r) === firstEssence);
        const agrees = rs[0] !== undefined && outcome(rs[0]) === outcome(want);
        const duplicateFlags = rs.filter((r) => r.duplicate !== true).length <= 1;
        if (!same || !agrees || !duplicateFlags || rs.length !== copies[commands.indexOf(c)]) {
          wrong += 1;
          if (wrong <= 5) f.r.problems.push(`${c.commandId} (${c.type}): replies ${rs.map((r) => JSON.stringify(r)).join(' | ')}, reference ${outcome(want)}`);
        }
      }
      f.r.wrongReplies = wrong;

      const key = (e: { streamId: string; type: string }, id: string) => `${id}|${e.streamId}|${e.type}`;
      const refEvents = await readEverything(refStore, refDb.url);
      const events = await readEverything(stores[stores.length - 1]!, db.url);
      const diff = multisetDiff(refEvents.map((e) => key(e, e.metadata.commandId)), events.map((e) => key(e, e.metadata.commandId)));
      f.r.lost = diff.lost;
      f.r.duplicated = diff.duplicated;
      const perCommand = new Set(events.map(rootCommandId));
      f.note(`${commands.length} distinct commands, ${sent} sends (${later.length} of them after ${restarts} handler restarts), ${events.length} events (reference ${refEvents.length}), ${perCommand.size} command ids with effects`);
      f.note(`replies: ${[...replies.values()].flat().filter((r) => r.duplicate).length} answered from the kept outcome (duplicate: true); ${wrong} command ids with differing or wrong replies`);
      log(`duplicates: ${sent} sends, lost ${diff.lost}, duplicated ${diff.duplicated}, wrong ${wrong}`);
      return f.result();
    } finally {
      for (const s of stores) await s.close().catch(() => undefined);
      await refDb.drop();
      await db.drop();
    }
  },
};
