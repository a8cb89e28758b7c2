import { aggregates } from '@cs/domain';
import { startCommandService, type CatalogueEntry, type CommandService, type Envelope, type Reply } from '@cs/messaging';
import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAggregates, createClient, type CommandData } from '../src/index.ts';

const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.client.cs.cmd`;
const catalogue: CatalogueEntry[] = clientAggregates.flatMap((a) =>
  Object.entries(a.commands).map(([type, def]) => ({ type, description: (def as { description: string }).description, schema: (def as { schema: CatalogueEntry['schema'] }).schema })),
);

const place: CommandData<'order.place'> = {
  orderId: 'O-1',
  customerId: 'C-1',
  channel: 'phone',
  lines: [{ lineId: 'L1', sku: 'S', description: 'd', quantity: 2, unitPriceFen: 100 }],
  urgent: false,
  dispatchPreference: 'standard',
  occurredAt: '2024-05-01T08:00:00Z',
};

describe('typed client over real NATS', () => {
  let server: NatsConnection;
  let clientNc: NatsConnection;
  let svc: CommandService;
  const seen: Envelope[] = [];
  let dropNext = 0;

  beforeAll(async () => {
    server = await connect({ servers: testEnv.natsUrl });
    clientNc = await connect({ servers: testEnv.natsUrl });
    svc = await startCommandService(server, {
      name: 'client-test',
      version: '1.0.0',
      catalogue,
      subjectPrefix: prefix,
      logger: pino({ level: 'silent' }),
      handle: async (envelope, ctx): Promise<Reply> => {
        seen.push(envelope);
        if (dropNext > 0) {
          dropNext--;
          await new Promise((r) => setTimeout(r, 400)); // answer after the client gave up
        }
        return { ok: true, commandId: envelope.commandId, streamId: `x-${ctx.service}`, version: seen.length, eventTypes: ['Done'], positions: [], duplicate: false };
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await clientNc?.close();
    await server?.close();
  });

  it('client.order.place sends the envelope with a generated command id, the person and the correlation id', async () => {
    const client = createClient(clientNc, { service: 'order-desk', subjectPrefix: prefix });
    const reply = await client.order.place(place, { person: 'li.na', correlationId: 'corr-1' });
    expect(reply).toMatchObject({ ok: true, streamId: 'x-order-desk' });
    const last = seen.at(-1)!;
    expect(last.type).toBe('order.place');
    expect(last.commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.ok && reply.commandId).toBe(last.commandId);
    expect(last.metadata).toEqual({ person: 'li.na', correlationId: 'corr-1' });
  });

  it('a timeout is retried with the same command id', async () => {
    const client = createClient(clientNc, { service: 'order-desk', subjectPrefix: prefix, timeoutMs: 150, retries: 3, backoffMs: 10 });
    const before = seen.length;
    dropNext = 1;
    const reply = await client.customer.updateNeeds({ customerId: 'C-1', needs: 'more', occurredAt: '2024-05-01T08:00:00Z' });
    expect(reply.ok).toBe(true);
    const attempts = seen.slice(before);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.commandId)).size).toBe(1);
    expect(reply.commandId).toBe(attempts[0]?.commandId);
  });

  it('bad data is refused locally with field paths, nothing is sent', async () => {
    const client = createClient(clientNc, { service: 'order-desk', subjectPrefix: prefix });
    const before = seen.length;
    const reply = await client.order.place({ ...place, lines: [{ ...place.lines[0]!, quantity: -1 }] }, { commandId: 'given-id' });
    expect(reply).toMatchObject({ ok: false, commandId: 'given-id', error: { code: 'validation', fields: [{ path: 'payload.lines.0.quantity' }] } });
    expect(seen.length).toBe(before);
    // @ts-expect-error -- a command the domain does not have is not on the typed surface
    expect(client.order.teleport).toBeUndefined();
  });

  it('every known command has a method', () => {
    const client = createClient(clientNc, { service: 'order-desk' });
    for (const { type } of client.commands()) {
      const [group, verb] = type.split('.') as [string, string];
      expect(typeof (client as unknown as Record<string, Record<string, unknown>>)[group]?.[verb]).toBe('function');
    }
    // the typed surface covers the whole domain registry
    expect(client.commands().map((c) => c.type).sort()).toEqual(aggregates.flatMap((a) => Object.keys(a.commands)).sort());
  });
});
