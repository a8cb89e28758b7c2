import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, ownNatsServer, type OwnNatsServer, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMain, waitUntil } from './support.ts';

// main.ts against a nats-server of our own with a user and password, restarted once with another
// password (an operator's botched rotation): nats.js closes the connection for good after two
// authorization violations in a row, whatever the reconnect policy.
const dir = mkdtempSync(join(tmpdir(), 'cs-natsclosed-'));
const file = join(dir, 'nats.conf');
const config = (pass: string) => `authorization { users: [ { user: "command-handler", password: "${pass}" } ] }\n`;
let db: TestDatabase;
let nats: OwnNatsServer;
let proc: ChildProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase('command_handler_nats_closed');
  writeFileSync(file, config('the-password'));
  nats = await ownNatsServer({ configPath: file });
}, 30_000);
afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await nats?.cleanup();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('main.ts when its NATS connection closes for good', () => {
  it('exits non-zero with a fatal log line instead of ending quietly with code 0 and no command service', async () => {
    const child = spawnMain({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_USER: 'command-handler',
      NATS_PASSWORD: 'the-password',
      NATS_RECONNECT_WAIT_MS: '50',
      RECONCILE_EVERY_MS: '0',
      LOG_LEVEL: 'info',
    });
    proc = child.proc;
    const { lines, exit } = child;
    expect(await waitUntil(() => lines.some((l) => l.msg === 'command handler ready'), 20_000)).toBe(true);

    await nats.stop();
    writeFileSync(file, config('a-rotated-password'));
    await nats.start();
    const code = await Promise.race([exit, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(lines.some((l) => l.level === 60 && typeof l.msg === 'string' && /NATS connection closed/.test(l.msg))).toBe(true);
  }, 60_000);
});
