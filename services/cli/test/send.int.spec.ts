import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The real `cs` entry point in a child process: main.ts dispatches to send.ts's run().
const cwd = fileURLToPath(new URL('..', import.meta.url));
const cs = (args: string[], input: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'send', ...args], { cwd, input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

describe('cs send as a process', () => {
  it('--help exits 0 and lists the commands', () => {
    const r = cs(['--help'], '');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('order.place');
    expect(r.stdout).toContain('complaint.receive');
  });

  it('data from stdin; NATS unreachable -> a readable error, exit 1, and the id to retry with', () => {
    const r = cs(['order.accept', '--json', '-', '--id', 'cli-1', '--service', 'order-desk', '--timeout', '500'], JSON.stringify({ orderId: 'O-1', occurredAt: '2024-05-01T08:00:00Z' }), {
      NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refused: unavailable: cannot connect to NATS/);
    expect(r.stderr).toContain('retry with: --id cli-1');
  });

  it('invalid stdin data -> exit 2 with the field paths, before any connection', () => {
    const r = cs(['order.accept', '--json', '-', '--service', 'order-desk'], JSON.stringify({ orderId: 'O-1', occurredAt: 'tomorrow' }), { NATS_URL: 'nats://127.0.0.1:1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('occurredAt:');
  });

  it('an --id, --service or --person the envelope does not allow is bad input (exit 2), not a refusal by the handler (3)', () => {
    const data = JSON.stringify({ orderId: 'O-1', occurredAt: '2024-05-01T08:00:00Z' });
    const env = { NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' };
    for (const flags of [
      ['--id', 'order 1', '--service', 'order-desk'],
      ['--service', 'Order Desk'],
      ['--service', 'order-desk', '--person', 'x'.repeat(201)],
      ['--service', 'order-desk', '--correlation-id', 'c'.repeat(129)],
    ]) {
      const r = cs(['order.accept', '--json', '-', '--timeout', '500', ...flags], data, env);
      expect({ flags: flags.join(' ').slice(0, 60), status: r.status, stderr: r.stderr }).toMatchObject({ status: 2, stderr: expect.stringMatching(/^cs send: --/) });
    }
  });
});
