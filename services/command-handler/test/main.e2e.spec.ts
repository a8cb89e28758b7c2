import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetStreamAnchors } from '@cs/audit';
import { sendCommand } from '@cs/messaging';
import { createTestDatabase, testEnv, type TestDatabase } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCustomer, uniquePrefix } from './support.ts';

// The composition root as it runs in production: `main.ts` in its own process, PostgreSQL from
// DATABASE_URL, NATS from NATS_URL, anchoring on (AUDIT_HMAC_KEY), JSON logs on stdout.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const prefix = uniquePrefix('main');
let db: TestDatabase;
let nc: NatsConnection;
let proc: ChildProcess;
const lines: Record<string, unknown>[] = [];

const waitFor = async (pred: (l: Record<string, unknown>) => boolean, ms = 20_000) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const hit = lines.find(pred);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such log line; got: ${lines.map((l) => String(l.msg)).join(' | ')}`);
};

beforeAll(async () => {
  db = await createTestDatabase('command_handler_main');
  nc = await connect({ servers: testEnv.natsUrl });
  proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd,
    env: { ...process.env, DATABASE_URL: db.url, NATS_URL: testEnv.natsUrl, CS_SUBJECT_PREFIX: prefix, AUDIT_HMAC_KEY: 'a'.repeat(40), LOG_LEVEL: 'info', RECONCILE_EVERY_MS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buffer += String(d);
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  await waitFor((l) => l.msg === 'command handler ready');
}, 40_000);
afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  await nc?.close();
  await db?.drop();
});

describe('main.ts', () => {
  it('handles a command, logs it with command and correlation ids, anchors the stream head, drains on SIGTERM', async () => {
    const reply = await sendCommand(nc, { type: 'customer.open', service: 'order-desk', payload: openCustomer('C-main', '2024-05-01T08:00:00Z'), commandId: 'main-1', metadata: { correlationId: 'corr-main' }, subjectPrefix: prefix });
    expect(reply).toMatchObject({ ok: true, streamId: 'CustomerAccount-C-main', version: 1 });
    const logged = await waitFor((l) => l.msg === 'command handled' && l.commandId === 'main-1');
    expect(logged).toMatchObject({ correlationId: 'corr-main', service: 'order-desk', outcome: 'ok' });
    // anchored in the background, after the reply
    const anchors = await jetStreamAnchors(nc);
    let heads = await anchors.heads('CustomerAccount-C-main');
    for (const until = Date.now() + 10_000; heads.length === 0 && Date.now() < until; heads = await anchors.heads('CustomerAccount-C-main'))
      await new Promise((r) => setTimeout(r, 50));
    expect(heads.at(-1)).toMatchObject({ streamId: 'CustomerAccount-C-main', version: 1 });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.msg === 'draining')).toBe(true);
  }, 30_000);
});
