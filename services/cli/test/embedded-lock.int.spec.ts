// The embedded PGlite is one process's at a time: while something holds the data directory
// (here this test, as `cs start` or a handler would), `cs audit`, `cs projections` and
// `cs start` (even with --reset) refuse it with exit 1, naming the holder, and change nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDataDir, type PgliteDataDir } from '@cs/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as audit } from '../src/commands/audit.ts';
import { run as projections } from '../src/commands/projections.ts';
import { run as start } from '../src/commands/start.ts';
import { runHere } from './run-here.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'cs-embedded-lock-'));
const env = { CS_DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', NATS_URL: '', USER: 'lock-test' };
let held: PgliteDataDir | undefined;

beforeAll(async () => {
  held = await openPgliteDataDir(join(dataDir, 'pglite'));
  await held.pglite.exec("create table kept (v text); insert into kept values ('still here')");
});
afterAll(async () => {
  await held?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a data directory in use', () => {
  it.each([
    ['cs audit list', () => audit(['list'])],
    ['cs projections status', () => projections(['status'])],
    ['cs start --reset', () => start(['--reset', '--customers', '1', '--days', '1'])],
  ])('%s exits 1 naming the process that holds it', async (_name, command) => {
    const r = await runHere(command, env);
    expect(r.err).toContain(`is in use by process ${process.pid}`);
    expect(r.code).toBe(1);
  });

  it('nothing was deleted or written by the refused commands, and once released the directory opens', async () => {
    expect((await held!.pglite.query<{ v: string }>('select v from kept')).rows).toEqual([{ v: 'still here' }]);
    await held!.close();
    held = undefined;
    const r = await runHere(() => projections(['status']), env);
    expect(r.err).not.toContain('in use');
    expect(r.code).toBe(0);
  });
});
