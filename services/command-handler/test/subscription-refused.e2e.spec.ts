import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, ownNatsServer, type OwnNatsServer, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMain, waitUntil } from './support.ts';

// main.ts against a nats-server of our own, restarted with a configuration that no longer lets
// the command-handler user subscribe to the command subjects. On reconnecting, NATS refuses the
// endpoints' subscriptions and nats.js stops the whole command service; the connection stays open.
const dir = mkdtempSync(join(tmpdir(), 'cs-subref-'));
const file = join(dir, 'nats.conf');
const config = (subscribe: string[]) => `
authorization {
  users: [
    { user: "command-handler", password: "pw", permissions: { publish: { allow: ["$JS.API.>"] }, subscribe: { allow: ${JSON.stringify(subscribe)} }, allow_responses: true } }
  ]
}
`;
let db: TestDatabase;
let nats: OwnNatsServer;
let proc: ChildProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase('command_handler_sub_refused');
  writeFileSync(file, config(['cs.cmd.>', '$SRV.>', '_INBOX.>']));
  nats = await ownNatsServer({ configPath: file });
}, 30_000);
afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await nats?.cleanup();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('main.ts when NATS stops its command service', () => {
  it('exits non-zero with a fatal log line instead of staying up connected and serving nothing', async () => {
    const child = spawnMain({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_USER: 'command-handler',
      NATS_PASSWORD: 'pw',
      NATS_RECONNECT_WAIT_MS: '50',
      RECONCILE_EVERY_MS: '0',
      LOG_LEVEL: 'info',
    });
    proc = child.proc;
    const { lines, exit } = child;
    expect(await waitUntil(() => lines.some((l) => l.msg === 'command handler ready'), 20_000)).toBe(true);

    await nats.stop();
    writeFileSync(file, config(['_INBOX.>']));
    await nats.start();
    expect(await waitUntil(() => lines.some((l) => l.status === 'reconnect'), 10_000)).toBe(true);
    const code = await Promise.race([exit, new Promise<'running'>((r) => setTimeout(() => r('running'), 10_000))]);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(lines.some((l) => l.level === 60 && l.msg === 'the command service stopped: no commands can be served, exiting')).toBe(true);
  }, 60_000);
});
