import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectionRuntime, readStatus } from '../src/index.ts';
import { openStore } from './store.ts';
import { allTypes, appendAll, appliedTwice, countsProjection, foldCounts, readCounts, readModelDb, type TestEvent, waitFor, waitForCheckpoint } from './support.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

const children: ChildProcess[] = [];
let database: TestDatabase;
let db: Kysely<any>;
let store: EventStore;
const appended: TestEvent[] = [];
const append = async (events: TestEvent[]) => {
  await appendAll(store, events);
  appended.push(...events);
};

const spawnProjector = (
  env: Record<string, string>,
): { proc: ChildProcess; exited: Promise<NodeJS.Signals | number | null>; started: Promise<void> } => {
  const proc = fork(child, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: database.url, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
  children.push(proc);
  const started = new Promise<void>((resolve) => proc.on('message', (m) => m === 'started' && resolve()));
  return { proc, exited, started };
};

beforeAll(async () => {
  database = await createTestDatabase('projection_crash');
  db = readModelDb(database.url);
  store = await openStore(database.url);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await store?.close();
  await db?.destroy();
  await database?.drop();
});

describe('crash safety', () => {
  it('SIGKILLed projector processes (right before a commit and at random moments) lose and double nothing', async () => {
    // The kill plan and the events are random but reproducible: fast-check draws them (one
    // run, no shrinking: the database keeps state); a failure prints the seed and the plan.
    // One life always dies before its second or later commit, so at least two processes (it
    // and the last one) write, however slow the machine makes the random kills.
    const stepArb = fc.oneof(fc.record({ beforeCommitOfBatch: fc.integer({ min: 1, max: 4 }) }), fc.record({ afterMs: fc.integer({ min: 30, max: 900 }) }));
    const planArb = fc
      .tuple(fc.array(stepArb, { minLength: 5, maxLength: 5 }), fc.integer({ min: 2, max: 4 }), fc.nat({ max: 5 }))
      .map(([steps, batch, at]): Step[] => [...steps.slice(0, at), { beforeCommitOfBatch: batch }, ...steps.slice(at)]);
    const eventsArb = fc.array(
      fc.record({ type: fc.constantFrom(...allTypes), stream: fc.constantFrom('c-1', 'c-2'), amount: fc.integer({ min: 0, max: 1000 }) }),
      { minLength: 360, maxLength: 360 },
    );
    await fc.assert(fc.asyncProperty(planArb, eventsArb, (plan, events) => crashAndCompare(plan, events)), { numRuns: 1, endOnFailure: true });
  }, 180_000);
});

type Step = { beforeCommitOfBatch: number } | { afterMs: number };

const crashAndCompare = async (plan: Step[], events: TestEvent[]): Promise<void> => {
    await append(events.slice(0, 120));
    let kills = 0;
    let next = 120;
    for (const step of plan) {
      if ('beforeCommitOfBatch' in step) {
        // Fresh events so that the batch to die in exists (7 per batch, at most 4 batches).
        await append(events.slice(next, next + 40));
        next += 40;
        const { exited } = spawnProjector({ CRASH_AT_BATCH: String(step.beforeCommitOfBatch) });
        const how = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
        if (how === 'SIGKILL') kills += 1;
        else throw new Error(`projector ended with ${String(how)} instead of killing itself`);
      } else {
        const { proc, exited, started } = spawnProjector({});
        await started;
        await new Promise((r) => setTimeout(r, step.afterMs));
        proc.kill('SIGKILL');
        await exited;
        kills += 1;
      }
    }
    expect(kills).toBe(plan.length);
    // The last projector runs uninterrupted to the end and shuts down gracefully.
    const { proc, exited, started } = spawnProjector({});
    await started;
    const end = (await store.readAll({ limit: 100_000 })).events.at(-1)!.position;
    await waitFor(async () => (await readStatus(db, 'crash', 1))?.checkpoint === end, 60_000, 'the last projector to catch up');
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);

    // One uninterrupted run of the same projection over the same events, in this process.
    const reference = createProjectionRuntime({ db, store, projections: [countsProjection(1, { name: 'reference' })], batchSize: 50, pollMs: 20 });
    await reference.caughtUp();
    await waitForCheckpoint(db, 'reference', 1);
    await reference.stop();

    const crashed = await readCounts(db, 'crash_v1');
    expect(crashed).toEqual(await readCounts(db, 'reference_v1'));
    expect(crashed).toEqual(foldCounts(appended));
    const { duplicates, rows } = await appliedTwice(db, 'crash_v1');
    expect(duplicates).toEqual([]);
    expect(rows).toBe(appended.filter((e) => e.type !== 'Ignored').length);
    const writers = await db.withSchema('crash_v1').selectFrom('applied').select('applied_by').distinct().execute();
    expect(writers.length).toBeGreaterThan(1); // several processes really did the work
};
