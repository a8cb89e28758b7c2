import { readFileSync } from 'node:fs';
import { connect, ErrorCode, type NatsConnection, type NatsError } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inboxPrefixOf,
  natsConnectionOptionsFromEnv,
  natsServerConfig,
  sendCommand,
  startCommandService,
  type CommandService,
} from '../src/index.ts';
import { CONF_PATH, catalogue, ownNatsServer, passwordOf, recordingHandler, validPayload } from './support.ts';

const silent = pino({ level: 'silent' });
type Server = Awaited<ReturnType<typeof ownNatsServer>>;

const connectAs = (server: Server, user: string): Promise<NatsConnection> =>
  connect(
    natsConnectionOptionsFromEnv({
      NATS_URL: server.url,
      NATS_USER: user,
      NATS_PASSWORD: passwordOf(user),
      NATS_INBOX_PREFIX: inboxPrefixOf(user),
      NATS_RECONNECT_WAIT_MS: '100',
      NATS_NAME: `test-${user}`,
    }),
  );

it('docs/nats-server.conf is exactly what natsServerConfig() generates (one source of truth)', () => {
  expect(readFileSync(CONF_PATH, 'utf8')).toBe(natsServerConfig());
});

describe('own nats-server with docs/nats-server.conf: permissions make the acting service trustworthy', () => {
  let server: Server;
  let handlerNc: NatsConnection;
  let svc: CommandService;
  const rec = recordingHandler();
  const clients: NatsConnection[] = [];
  const as = async (user: string) => {
    const nc = await connectAs(server, user);
    clients.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await ownNatsServer();
    handlerNc = await connectAs(server, 'command-handler');
    svc = await startCommandService(handlerNc, { name: 'cs-command-handler', version: '1.0.0', catalogue, handle: rec.handle, logger: silent });
  });
  afterAll(async () => {
    for (const nc of clients) await nc.close();
    await svc?.stop();
    await handlerNc?.close();
    await server?.cleanup();
  });

  it('order-desk may place an order; the handler sees the service NATS authenticated', async () => {
    const nc = await as('order-desk');
    const reply = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload('O-sec-1'), retries: 0 });
    expect(reply).toMatchObject({ ok: true, streamId: 'Order-O-sec-1' });
    expect(rec.calls.at(-1)?.context.service).toBe('order-desk');
  });

  it('warehouse publishing cs.cmd.order.place.order-desk gets PERMISSIONS_VIOLATION and the handler is never invoked', async () => {
    const nc = await as('warehouse');
    const before = rec.calls.length;
    const body = new TextEncoder().encode(JSON.stringify({ commandId: 'c-forged', type: 'order.place', payload: validPayload('O-forged'), metadata: {} }));
    const err = await nc.request('cs.cmd.order.place.order-desk', body, { timeout: 2000 }).then(
      () => undefined,
      (e: NatsError) => e,
    );
    expect(err?.code).toBe(ErrorCode.PermissionsViolation);
    expect(err?.permissionContext).toMatchObject({ operation: 'publish', subject: 'cs.cmd.order.place.order-desk' });

    // through the client: posing as order-desk, or placing orders as itself, is unauthorized
    expect(await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload('O-forged'), retries: 2 })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await sendCommand(nc, { type: 'order.place', service: 'warehouse', payload: validPayload('O-forged'), retries: 2 })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(rec.calls.length).toBe(before);
    expect(rec.calls.some((c) => c.envelope.payload.orderId === 'O-forged')).toBe(false);

    // its own command type goes through
    const ok = await sendCommand(nc, { type: 'order.prepare', service: 'warehouse', payload: { orderId: 'O-sec-1', occurredAt: '2024-05-01T09:00:00Z' }, retries: 0 });
    expect(ok.ok).toBe(true);
    expect(rec.calls.at(-1)?.context.service).toBe('warehouse');
  });

  it('the auditor and the analyst cannot send commands; a wrong password cannot connect', async () => {
    for (const user of ['auditor', 'analyst']) {
      const nc = await as(user);
      const reply = await sendCommand(nc, { type: 'order.place', service: user, payload: validPayload(), retries: 0 });
      expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    const err = await connect({ servers: server.url, user: 'order-desk', pass: 'wrong', reconnect: false }).then(
      (nc) => nc.close().then(() => undefined),
      (e: NatsError) => e,
    );
    expect(err?.code).toBe(ErrorCode.AuthorizationViolation);
  });

  it('a service without its private inbox prefix cannot receive replies (no snooping on _INBOX.>)', async () => {
    const nc = await connect({ servers: server.url, user: 'order-desk', pass: passwordOf('order-desk'), reconnect: false });
    clients.push(nc);
    const reply = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: validPayload('O-noinbox'), retries: 0, timeoutMs: 1000 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    if (!reply.ok) expect(reply.error.message).toMatch(/may not receive replies on _INBOX\./);
  });

  it('the analyst may query $SRV.INFO of the command handler', async () => {
    const nc = await as('analyst');
    const info = JSON.parse(new TextDecoder().decode((await nc.request('$SRV.INFO.cs-command-handler', undefined, { timeout: 2000 })).data));
    expect(info.endpoints.map((e: { subject: string }) => e.subject)).toEqual(['cs.cmd.order.place.*', 'cs.cmd.order.prepare.*']);
    expect(info.endpoints.every((e: { queue_group: string }) => e.queue_group === 'cs-command-handler')).toBe(true);
  });
});

describe('reconnect: nats-server restarted mid-way', () => {
  it('the service reconnects and a client retrying with the same command id gets served once', async () => {
    const server = await ownNatsServer();
    const rec = recordingHandler();
    const handlerNc = await connectAs(server, 'command-handler');
    const statuses: string[] = [];
    void (async () => {
      for await (const s of handlerNc.status()) statuses.push(s.type);
    })();
    const svc = await startCommandService(handlerNc, { name: 'cs-command-handler', version: '1.0.0', catalogue, handle: rec.handle, logger: silent });
    const client = await connectAs(server, 'order-desk');
    try {
      expect((await sendCommand(client, { type: 'order.place', service: 'order-desk', payload: validPayload('O-r1'), retries: 0 })).ok).toBe(true);

      await server.stop();
      const pending = sendCommand(client, {
        type: 'order.place',
        service: 'order-desk',
        payload: validPayload('O-r2'),
        commandId: 'c-across-restart',
        timeoutMs: 500,
        retries: 30,
        backoffMs: 100,
      });
      await new Promise((r) => setTimeout(r, 800));
      await server.start();

      const reply = await pending;
      expect(reply).toMatchObject({ ok: true, commandId: 'c-across-restart', streamId: 'Order-O-r2' });
      expect(statuses).toContain('disconnect');
      expect(statuses).toContain('reconnect');
      expect(svc.service.isStopped).toBe(false);

      // the same id again: the handler keeps one outcome and answers it as a duplicate
      const again = await sendCommand(client, { type: 'order.place', service: 'order-desk', payload: validPayload('O-r2'), commandId: 'c-across-restart', retries: 0 });
      expect(again).toMatchObject({ ok: true, commandId: 'c-across-restart', duplicate: true });
      const firstRuns = rec.calls.filter((c) => c.envelope.commandId === 'c-across-restart');
      expect(firstRuns.length).toBeGreaterThanOrEqual(2);
      expect(new Set(firstRuns.map((c) => c.context.service))).toEqual(new Set(['order-desk']));
    } finally {
      await svc.stop();
      await client.close();
      await handlerNc.close();
      await server.cleanup();
    }
  });
});

describe('subscriptions NATS refuses', () => {
  it('startCommandService fails with invalid_config when the user may not subscribe to the command subjects (it resolved with a service NATS had already stopped)', async () => {
    const server = await ownNatsServer();
    const handlerNc = await connectAs(server, 'command-handler');
    try {
      const started = startCommandService(handlerNc, {
        name: 'cs-command-handler',
        version: '1.0.0',
        catalogue,
        handle: recordingHandler().handle,
        logger: silent,
        subjectPrefix: 'tenant-a.cs.cmd', // docs/nats-server.conf lets the handler subscribe to cs.cmd.> only
      });
      await expect(started).rejects.toMatchObject({ name: 'MessagingError', code: 'invalid_config', message: expect.stringMatching(/permissions violation/i) });
    } finally {
      await handlerNc.close();
      await server.cleanup();
    }
  });
});
