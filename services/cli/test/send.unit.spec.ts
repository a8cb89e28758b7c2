import type { Reply } from '@cs/messaging';
import { describe, expect, it } from 'vitest';
import { domainCatalogue, sendCommandLine, type SendDeps } from '../src/commands/send.ts';

const accept = { orderId: 'O-1', occurredAt: '2024-05-01T08:00:00Z' };

const harness = (files: Record<string, string> = {}, reply?: (c: Parameters<SendDeps['send']>[0]) => Reply) => {
  const out: string[] = [];
  const err: string[] = [];
  const sent: Parameters<SendDeps['send']>[0][] = [];
  const deps: SendDeps = {
    catalogue: domainCatalogue(),
    env: { CS_SERVICE: 'order-desk' },
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readInput: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    },
    send: async (c) => {
      sent.push(c);
      return reply ? reply(c) : { ok: true, commandId: c.commandId, streamId: `Order-${String(c.payload.orderId)}`, version: 3, eventTypes: ['OrderAccepted'], positions: ['p'], duplicate: false };
    },
  };
  return { deps, out, err, sent };
};

describe('cs send', () => {
  it('--help lists every command with its description', async () => {
    const h = harness();
    expect(await sendCommandLine(['--help'], h.deps)).toBe(0);
    for (const type of domainCatalogue().keys()) expect(h.out.join('\n')).toContain(type);
    expect(h.out.join('\n')).toContain('Accept a placed or verified order');
  });

  it('<command> --help lists its fields, required or optional, with their types', async () => {
    const h = harness();
    expect(await sendCommandLine(['order.place', '--help'], h.deps)).toBe(0);
    const text = h.out.join('\n');
    expect(text).toMatch(/orderId\s+required\s+string/);
    expect(text).toMatch(/promisedDispatchAt\s+optional\s+string \(date-time\)/);
    expect(text).toMatch(/channel\s+required\s+"front_desk" \| "phone"/);
  });

  it('sends valid data with a generated command id, the service, person and correlation id; prints the outcome', async () => {
    const h = harness({ 'a.json': JSON.stringify(accept) });
    expect(await sendCommandLine(['order.accept', '--json', 'a.json', '--person', 'li.na', '--correlation-id', 'corr-1'], h.deps)).toBe(0);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({ type: 'order.accept', service: 'order-desk', person: 'li.na', correlationId: 'corr-1', payload: accept });
    expect(h.sent[0]?.commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.out.join('\n')).toContain('applied: Order-O-1 now at version 3, events OrderAccepted');
  });

  it('readable errors for bad input, nothing sent: unknown command (with a hint), missing --json, unreadable file, bad JSON, invalid fields', async () => {
    const h = harness({ 'bad.json': '{"orderId": ', 'arr.json': '[1]', 'inv.json': JSON.stringify({ orderId: '', occurredAt: 'yesterday' }), 'proto.json': '{"__proto__": {"x": 1}}' });
    expect(await sendCommandLine(['order.acept', '--json', 'x'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toContain("unknown command 'order.acept'");
    expect(await sendCommandLine(['order.accept'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toContain('--json <file|-> is required');
    expect(await sendCommandLine(['order.accept', '--json', 'missing.json'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toContain('cannot read missing.json: ENOENT');
    expect(await sendCommandLine(['order.accept', '--json', 'bad.json'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toContain('is not usable JSON');
    expect(await sendCommandLine(['order.accept', '--json', 'arr.json'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toContain('must be a JSON object');
    expect(await sendCommandLine(['order.accept', '--json', 'inv.json'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toMatch(/orderId: .*\n\s+occurredAt: /);
    expect(await sendCommandLine(['order.accept', '--json', 'proto.json'], h.deps)).toBe(2);
    expect(await sendCommandLine(['order.accept', '--json', 'x', '--bogus'], h.deps)).toBe(2);
    expect(await sendCommandLine(['order.accept', '--json', 'x', '--timeout', 'soon'], h.deps)).toBe(2);
    expect(h.sent).toEqual([]);
  });

  it('a refusal prints the code, message and fields and exits 3; unavailable exits 1 with the id to retry with', async () => {
    const refused = harness({ 'a.json': JSON.stringify(accept) }, (c) => ({ ok: false, commandId: c.commandId, error: { code: 'credit_limit_exceeded', message: 'order rejected: outstanding 10 + 5 > cap 12' } }));
    expect(await sendCommandLine(['order.accept', '--json', 'a.json', '--id', 'my-id'], refused.deps)).toBe(3);
    expect(refused.err.join('\n')).toContain('refused: credit_limit_exceeded: order rejected');
    expect(refused.err.join('\n')).toContain('command id my-id');
    const down = harness({ 'a.json': JSON.stringify(accept) }, (c) => ({ ok: false, commandId: c.commandId, error: { code: 'unavailable', message: 'no command handler is listening' } }));
    expect(await sendCommandLine(['order.accept', '--json', 'a.json', '--id', 'id-2'], down.deps)).toBe(1);
    expect(down.err.join('\n')).toContain('retry with: --id id-2');
  });

  it('without a service name it says how to give one', async () => {
    const h = harness({ 'a.json': JSON.stringify(accept) });
    h.deps.env = {};
    expect(await sendCommandLine(['order.accept', '--json', 'a.json'], h.deps)).toBe(2);
    expect(h.err.at(-1)).toContain('--service');
  });
});
