import { createCommandHandler, crossAggregateProcesses, type CommandHandler, type CommandReply } from '@cs/application';
import { aggregates } from '@cs/domain';
import type { EventStore, RecordedEvent } from '@cs/event-store';
import type { SimCommand } from '@cs/simulator';
import pg from 'pg';

/** The figures every scenario reports (the columns of the table). */
export type ScenarioResult = {
  name: string;
  /** The size it ran with, in words (e.g. "32 writers x 10000 events"). */
  size: string;
  runs: number;
  /** Checks that did not hold (each also listed in `problems`). */
  failures: number;
  lost: number;
  duplicated: number;
  wrongReplies: number;
  /** Other figures worth printing (e.g. "conflict_exhausted 0.00 %"). */
  notes: string[];
  problems: string[];
  ms: number;
};

/** A scenario: a name, its full and short sizes, and how to run it at a size. */
export type Scenario = {
  name: string;
  title: string;
  sizes: { full: number; short: number };
  run: (size: number, log: (message: string) => void) => Promise<ScenarioResult>;
};

/** True when a result shows no failure, loss, duplicate or wrong reply. */
export const passed = (r: ScenarioResult): boolean => r.failures === 0 && r.lost === 0 && r.duplicated === 0 && r.wrongReplies === 0;

/**
 * Collects figures and failed checks while a scenario runs; `result()` totals them.
 *
 * @example
 * const f = figures('gapless', '32 x 100'); f.check(skipped === 0, `${skipped} skipped`); return f.result();
 */
export const figures = (name: string, size: string) => {
  const started = Date.now();
  const r: ScenarioResult = { name, size, runs: 0, failures: 0, lost: 0, duplicated: 0, wrongReplies: 0, notes: [], problems: [], ms: 0 };
  return {
    r,
    /** Records a failure with `message` unless `ok`. */
    check: (ok: boolean, message: string) => {
      if (!ok) {
        r.failures += 1;
        r.problems.push(message);
      }
    },
    note: (message: string) => void r.notes.push(message),
    result: (): ScenarioResult => ({ ...r, ms: Date.now() - started }),
  };
};

/** The write path as the command handler service composes it (every aggregate, the cross-aggregate processes). */
export const writePath = (store: EventStore, options: { maxAttempts?: number } = {}): CommandHandler =>
  createCommandHandler({ store, aggregates, processes: crossAggregateProcesses, ...options });

/** Sends a simulated command through a handler. */
export const sendSim = (handler: CommandHandler, c: SimCommand, commandId = c.commandId): Promise<CommandReply> =>
  handler.handle({ commandId, type: c.type, payload: c.payload, service: c.service, person: c.person });

/**
 * Runs the commands partition by partition (in order within one partition, partitions side by
 * side, at most `concurrency` at a time), as the simulated services would send them.
 *
 * @example
 * await byPartition(commands, 16, (c) => sendSim(handler, c));
 */
export const byPartition = async <T extends { partition: string }>(items: readonly T[], concurrency: number, run: (item: T, index: number) => Promise<void>): Promise<void> => {
  const parts = new Map<string, { item: T; index: number }[]>();
  items.forEach((item, index) => {
    const list = parts.get(item.partition) ?? [];
    list.push({ item, index });
    parts.set(item.partition, list);
  });
  const queues = [...parts.values()];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queues.length) }, async () => {
      while (next < queues.length) {
        const queue = queues[next++]!;
        for (const { item, index } of queue) await run(item, index);
      }
    }),
  );
};

/**
 * Every event of a PostgreSQL store in global order. The store shows an event only once no
 * older transaction runs anywhere on the server (its gapless guard), so a long transaction in
 * another database holds reading back: this reads until it has as many events as the table
 * holds (counted directly), for up to `ms`.
 *
 * @example
 * const events = await readEverything(store, database.url);
 */
export const readEverything = async (store: EventStore, url: string, ms = 180_000): Promise<RecordedEvent[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM event_store.events');
    const total = Number(rows[0]?.n ?? 0);
    const until = Date.now() + ms;
    for (;;) {
      const out: RecordedEvent[] = [];
      let after = '';
      for (;;) {
        const page = await store.readAll({ after, limit: 5000 });
        out.push(...page.events);
        if (page.events.length === 0) break;
        after = page.last;
      }
      if (out.length >= total || Date.now() > until) return out;
      await sleep(200);
    }
  } finally {
    await client.end();
  }
};

/**
 * Compares two multisets of keys: `lost` counts keys missing from `actual`, `duplicated` the
 * extra ones.
 *
 * @example
 * multisetDiff(['a', 'b'], ['a', 'a']); // { lost: 1, duplicated: 1 }
 */
export const multisetDiff = (expected: readonly string[], actual: readonly string[]): { lost: number; duplicated: number } => {
  const counts = new Map<string, number>();
  for (const k of expected) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const k of actual) counts.set(k, (counts.get(k) ?? 0) - 1);
  let lost = 0;
  let duplicated = 0;
  for (const n of counts.values()) {
    if (n > 0) lost += n;
    if (n < 0) duplicated -= n;
  }
  return { lost, duplicated };
};

/** The root command id of an event (sub-steps of a process carry `<id>/<step>`). */
export const rootCommandId = (e: RecordedEvent): string => e.metadata.commandId.split('/')[0]!;

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A small seeded random source (mulberry32), so every run of a scenario is reproducible.
 *
 * @example
 * const random = seeded(42); random(); // 0 <= x < 1
 */
export const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** The coded replies a scenario accepts as "a clear answer": anything but an unexplained failure. */
export const isCoded = (reply: CommandReply): boolean =>
  reply.ok || (typeof reply.error.code === 'string' && /^[a-z][a-z0-9_]*$/.test(reply.error.code) && reply.error.code !== 'internal');
