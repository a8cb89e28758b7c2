import { aggregates } from '@cs/domain';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { inboxPrefixOf, natsConnectionOptionsFromEnv, sendCommand } from '@cs/messaging';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { connect, ErrorCode, type NatsConnection, type NatsError } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWritePath, type WritePath } from '../src/write-path.ts';
// The messaging engineer's helper: our own nats-server with docs/nats-server.conf (test code).
import { ownNatsServer, passwordOf } from '../../../packages/messaging/test/support.ts';
import { businessClock, eventCount, openCustomer, placeOrder, silent } from './support.ts';

type Server = Awaited<ReturnType<typeof ownNatsServer>>;

const connectAs = (server: Server, user: string): Promise<NatsConnection> =>
  connect(
    natsConnectionOptionsFromEnv({
      NATS_URL: server.url,
      NATS_USER: user,
      NATS_PASSWORD: passwordOf(user),
      NATS_INBOX_PREFIX: inboxPrefixOf(user),
      NATS_RECONNECT_WAIT_MS: '100',
    }),
  );

let server: Server;
let db: TestDatabase;
let store: EventStore;
let handlerNc: NatsConnection;
let wp: WritePath;
const clients: NatsConnection[] = [];
const as = async (user: string) => {
  const nc = await connectAs(server, user);
  clients.push(nc);
  return nc;
};

beforeAll(async () => {
  server = await ownNatsServer();
  db = await createTestDatabase('command_handler_perm');
  store = await createPostgresEventStore({ connectionString: db.url, max: 4 });
  handlerNc = await connectAs(server, 'command-handler');
  wp = await startWritePath({ nc: handlerNc, store, aggregates, log: silent });
}, 30_000);
afterAll(async () => {
  for (const nc of clients) await nc.close().catch(() => undefined);
  await wp?.stop();
  await handlerNc?.close();
  await store?.close();
  await db?.drop();
  await server?.cleanup();
});

describe('the real service behind our own nats-server with the generated permissions', () => {
  const at = businessClock();

  it('order-desk may open accounts and place orders; the acting service recorded is the one NATS authenticated', async () => {
    const nc = await as('order-desk');
    expect(await sendCommand(nc, { type: 'customer.open', service: 'order-desk', payload: openCustomer('C-p', at()), retries: 0 })).toMatchObject({ ok: true });
    const reply = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: placeOrder('O-p', 'C-p', at()), metadata: { person: 'li.na' }, retries: 0 });
    expect(reply).toMatchObject({ ok: true, streamId: 'Order-O-p' });
    const [placed] = await store.readStream('Order-O-p');
    expect(placed?.metadata.actor).toEqual({ service: 'order-desk', person: 'li.na' });
  });

  it('a service outside its permissions gets a permissions error and nothing is appended', async () => {
    const before = await eventCount(db.url);
    const warehouse = await as('warehouse');
    // as itself: warehouse may not place orders
    expect(await sendCommand(warehouse, { type: 'order.place', service: 'warehouse', payload: placeOrder('O-w', 'C-p', at()), retries: 0 })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    // posing as order-desk: NATS refuses the publish
    const err = await warehouse
      .request('cs.cmd.order.place.order-desk', new TextEncoder().encode(JSON.stringify({ commandId: 'forged', type: 'order.place', payload: placeOrder('O-f', 'C-p', at()) })), { timeout: 2000 })
      .then(
        () => undefined,
        (e: NatsError) => e,
      );
    expect(err?.code).toBe(ErrorCode.PermissionsViolation);
    const dispatch = await as('dispatch');
    expect(await sendCommand(dispatch, { type: 'customer.open', service: 'dispatch', payload: openCustomer('C-d', at()), retries: 0 })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await eventCount(db.url)).toBe(before);
    expect(await store.readStream('Order-O-w')).toEqual([]);
    expect(await store.readStream('Order-O-f')).toEqual([]);
  });

  it('after a NATS restart the handler reconnects and a retried command id still has one effect', async () => {
    const nc = await as('order-desk');
    const payload = { orderId: 'O-p', verifiedBy: 'x', occurredAt: at() };
    const first = await sendCommand(nc, { type: 'order.verify', service: 'order-desk', payload, commandId: 'restart-1', retries: 0 });
    expect(first).toMatchObject({ ok: true });
    await server.stop();
    await server.start();
    const again = await sendCommand(nc, { type: 'order.verify', service: 'order-desk', payload, commandId: 'restart-1', retries: 20, timeoutMs: 1000, backoffMs: 100 });
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await store.readStream('Order-O-p')).filter((e) => e.type === 'OrderVerified')).toHaveLength(1);
  }, 30_000);

  it('graceful stop: commands in flight are answered, later ones find no handler', async () => {
    const nc = await as('order-desk');
    const ids = Array.from({ length: 8 }, (_, i) => `O-stop-${i}`);
    const t = at();
    const pending = ids.map((id) => sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: placeOrder(id, 'C-p', t), retries: 0, timeoutMs: 5000 }));
    while (wp.service.inFlight() === 0) await new Promise((r) => setTimeout(r, 1));
    await wp.stop();
    const replies = await Promise.all(pending);
    const answered = replies.filter((r) => r.ok);
    expect(answered.length).toBeGreaterThan(0);
    for (const r of replies) if (!r.ok) expect(r.error.code).toBe('unavailable'); // sent after the drain: nobody listening
    for (const r of answered) expect((await store.readStream(r.ok ? r.streamId : '')).length).toBe(1);
    expect(await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: placeOrder('O-late', 'C-p', at()), retries: 0, timeoutMs: 500 })).toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });
  });
});
