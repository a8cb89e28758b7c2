import { ownNatsServer as ownTestNatsServer } from '@cs/testing';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { natsUsers, passwordVariable, type CatalogueEntry, type Reply, type Envelope, type CommandContext } from '../src/index.ts';

export const CONF_PATH = fileURLToPath(new URL('../../../docs/nats-server.conf', import.meta.url));

/** A unique subject prefix, so this file's endpoints never meet another test's on the shared server. */
export const uniquePrefix = (label: string) => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.${label}.cs.cmd`;

export const PlaceData = z.strictObject({
  orderId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  lines: z.array(z.strictObject({ sku: z.string().min(1), quantity: z.number().int().positive() })).min(1),
});

export const catalogue: CatalogueEntry[] = [
  { type: 'order.place', description: 'Place an order', schema: PlaceData },
  { type: 'order.prepare', description: 'Warehouse prepared the goods', schema: z.object({ orderId: z.string(), occurredAt: z.iso.datetime() }) },
];

export const validPayload = (orderId = 'O-1') => ({
  orderId,
  occurredAt: '2024-05-01T08:00:00Z',
  lines: [{ sku: 'SKU-1', quantity: 2 }],
});

/**
 * A handler that records every call and answers like the write path would: the first run of a
 * command id appends, a repeat returns the kept reply marked duplicate.
 */
export const recordingHandler = (instance = 'A') => {
  const calls: { envelope: Envelope; context: CommandContext }[] = [];
  const kept = new Map<string, Reply>();
  const handle = async (envelope: Envelope, context: CommandContext): Promise<Reply> => {
    calls.push({ envelope, context });
    const earlier = kept.get(envelope.commandId);
    if (earlier && earlier.ok) return { ...earlier, duplicate: true };
    const reply: Reply = {
      ok: true,
      commandId: envelope.commandId,
      streamId: `Order-${String(envelope.payload.orderId)}`,
      version: 1,
      eventTypes: ['OrderPlaced'],
      positions: [`${instance}:${kept.size + 1}`],
      duplicate: false,
    };
    kept.set(envelope.commandId, reply);
    return reply;
  };
  return { calls, handle };
};

/** A pino logger writing JSON lines into an array the test can inspect. */
export const capturingLogger = (): { logger: Logger; lines: Record<string, unknown>[] } => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
};

export { freePort } from '@cs/testing';

export const passwordOf = (user: string) => `test-${user}-secret`;

/** Our own nats-server with docs/nats-server.conf, on a free port; restartable on the same port. */
export const ownNatsServer = () => {
  const env: Record<string, string> = {};
  for (const { user } of natsUsers()) env[passwordVariable(user)] = passwordOf(user);
  return ownTestNatsServer({ configPath: CONF_PATH, env });
};
