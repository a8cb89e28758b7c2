import { spawn, type ChildProcess } from 'node:child_process';
import { createTestDatabase, freePort, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMain, waitUntil } from './support.ts';

// main.ts against a nats-server of our own with a user and password, restarted once with another
// password (an operator's botched rotation): nats.js closes the connection for good after two
// authorization violations in a row, whatever the reconnect policy.
let db: TestDatabase;
let port: number;
let nats: ChildProcess | undefined;
let proc: ChildProcess | undefined;

const startNats = (pass: string) =>
  new Promise<void>((resolve, reject) => {
    const p = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), '--user', 'command-handler', '--pass', pass], { stdio: ['ignore', 'ignore', 'pipe'] });
    nats = p;
    let log = '';
    p.stderr?.on('data', (d: Buffer) => {
      log += String(d);
      if (log.includes('Server is ready')) resolve();
    });
    p.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
const stopNats = () =>
  new Promise<void>((resolve) => {
    const p = nats;
    nats = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });

beforeAll(async () => {
  db = await createTestDatabase('command_handler_nats_closed');
  port = await freePort();
  await startNats('the-password');
}, 30_000);
afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await stopNats();
  await db?.drop();
});

describe('main.ts when its NATS connection closes for good', () => {
  it('exits non-zero with a fatal log line instead of ending quietly with code 0 and no command service', async () => {
    const child = spawnMain({
      DATABASE_URL: db.url,
      NATS_URL: `nats://127.0.0.1:${port}`,
      NATS_USER: 'command-handler',
      NATS_PASSWORD: 'the-password',
      NATS_RECONNECT_WAIT_MS: '50',
      RECONCILE_EVERY_MS: '0',
      LOG_LEVEL: 'info',
    });
    proc = child.proc;
    const { lines, exit } = child;
    expect(await waitUntil(() => lines.some((l) => l.msg === 'command handler ready'), 20_000)).toBe(true);

    await stopNats();
    await startNats('a-rotated-password');
    const code = await Promise.race([exit, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(lines.some((l) => l.level === 60 && typeof l.msg === 'string' && /NATS connection closed/.test(l.msg))).toBe(true);
  }, 60_000);
});
