// `cs projections` against a real PostgreSQL: exit codes as its usage says (0 done, 1 refused
// or failed, 2 bad usage) and what it reports on a database no projector has run on yet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresEventStore } from '@cs/event-store';
import { kpiProjections } from '@cs/projection-kpi';
import { createProjectionRuntime } from '@cs/projection-runtime';
import { createReadModelDatabase, type RuntimeDatabase } from '@cs/read-model';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/commands/projections.ts';
import { runHere } from './run-here.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-projections-'));
let db: TestDatabase;

const csHere = (args: string[], env: Record<string, string> = {}) =>
  runHere(() => run(args).catch((e: unknown) => ({ threw: e instanceof Error ? e.message : String(e) })), { USER: 'operator-test', DATABASE_URL: db.url, CS_DATA_DIR: dir, NATS_URL: '', EVENTSTORE_URL: '', ...env });

beforeAll(async () => {
  db = await createTestDatabase('cli_projections');
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cs projections', () => {
  it('bad usage exits 2 with a readable message, as its usage says', async () => {
    for (const args of [
      ['status', '--jsno'], // unknown option
      ['resume', 'kpi', 'x'], // version not a number
      ['retire', 'kpi'], // no version
      ['dead-letter', 'kpi', '2'], // no position, no reason
      ['resume', 'kpi', '2', '00000000000000000042'], // resume takes no position
      ['status', 'kpi'], // status takes no name
    ]) {
      const r = await csHere(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(/^cs projections: /);
    }
  });

  it('an unknown sub-command is bad usage (2) even where there is no database', async () => {
    const r = await csHere(['bogus'], { DATABASE_URL: '', CS_DATA_DIR: join(dir, 'empty') });
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'bogus'");
  });

  it('a database that is not there is a failure (1), not bad usage', async () => {
    const r = await csHere(['status'], { DATABASE_URL: '', CS_DATA_DIR: join(dir, 'empty') });
    expect(r.code).toBe(1);
    expect(r.err).toContain('no embedded database');
  });

  it('status on a database no projector has run on says so and exits 0', async () => {
    const r = await csHere(['status']);
    expect(r).toMatchObject({ code: 0, out: 'no projection has run yet\n' });
    const j = await csHere(['status', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual([]);
    const resume = await csHere(['resume', 'kpi', '2']);
    expect(resume).toMatchObject({ code: 1, err: 'cs projections: not_found: no projection has run on this database yet\n' });
  });

  it('operates the projections the projector runs, by the same list, and refuses an unknown one', async () => {
    const known = kpiProjections.map((p) => `${p.name} v${p.version}`).join(', ');
    const unknown = await csHere(['promote', 'nope', '2']);
    expect(unknown).toMatchObject({ code: 1, err: `cs projections: not_found: unknown projection nope v2 (the projector runs ${known})\n` });
    // A projector (the runtime over the shared list) runs on this database up to the end of its (empty) store.
    const store = await createPostgresEventStore({ connectionString: db.url, max: 2 });
    const rm = createReadModelDatabase<RuntimeDatabase>({ kind: 'postgres', url: db.url, max: 4 });
    try {
      const runtime = createProjectionRuntime({ db: rm, store, projections: kpiProjections, autoPromote: false, pollMs: 20 });
      await runtime.caughtUp();
      await runtime.stop();
    } finally {
      await rm.destroy();
      await store.close();
    }
    for (const p of kpiProjections) {
      const promoted = await csHere(['promote', p.name, String(p.version)]);
      expect(promoted).toMatchObject({ code: 0, out: `analytics views now read ${p.name} v${p.version}\n` });
      const status = JSON.parse((await csHere(['status', '--json'])).out) as { name: string; version: number; serving: boolean }[];
      expect(status.find((r) => r.name === p.name && r.version === p.version)).toMatchObject({ serving: true });
      expect(await csHere(['retire', p.name, String(p.version)])).toMatchObject({ code: 1, err: expect.stringMatching(/^cs projections: serving: /) });
      expect(await csHere(['resume', p.name, String(p.version)])).toMatchObject({ code: 1, err: expect.stringMatching(/^cs projections: not_stopped: /) });
    }
  });

  it("cs --help names only sub-commands of projections that exist", async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const help = spawnSync(process.execPath, ['--import', 'tsx', main, '--help'], { encoding: 'utf8' });
    const listed = /projections <([^>]+)>/.exec(help.stdout)?.[1]?.split('|') ?? [];
    expect(listed.length).toBeGreaterThan(0);
    const usage = (await csHere(['--help'])).out;
    for (const sub of listed) expect({ sub, known: usage.includes(`\n  ${sub} `) }).toEqual({ sub, known: true });
  });
});
