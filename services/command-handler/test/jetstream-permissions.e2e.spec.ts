import { jetStreamAnchors, signHead, AUDIT_HEADS_STREAM } from '@cs/audit';
import { inboxPrefixOf, natsConnectionOptionsFromEnv } from '@cs/messaging';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The messaging engineer's helper: our own nats-server with docs/nats-server.conf (test code).
import { ownNatsServer, passwordOf } from '../../../packages/messaging/test/support.ts';

// The audit anchors in JetStream (CS_AUDIT_HEADS) under the generated permissions: the command
// handler signs heads into them, the auditors read them, and nobody may erase them.
type Server = Awaited<ReturnType<typeof ownNatsServer>>;
const KEY = 'k'.repeat(40);
let server: Server;
const conns: NatsConnection[] = [];
const as = async (user: string): Promise<NatsConnection> => {
  const nc = await connect(natsConnectionOptionsFromEnv({ NATS_URL: server.url, NATS_USER: user, NATS_PASSWORD: passwordOf(user), NATS_INBOX_PREFIX: inboxPrefixOf(user) }));
  conns.push(nc);
  return nc;
};
const head = (version: number) => signHead(KEY, { streamId: 'Complaint-perm-1', version, hash: 'a'.repeat(63) + String(version) }, '2026-12-04T00:00:00.000Z');

beforeAll(async () => {
  server = await ownNatsServer();
}, 30_000);
afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await server?.cleanup();
});

describe('CS_AUDIT_HEADS under the generated NATS permissions', () => {
  it('the command handler creates it and signs heads into it; the auditor and the audit query read them back', async () => {
    const handler = await jetStreamAnchors(await as('command-handler'));
    await handler.publish(head(1));
    await handler.publish(head(2));
    for (const user of ['auditor', 'audit-query']) {
      const anchors = await jetStreamAnchors(await as(user));
      expect((await anchors.heads('Complaint-perm-1')).map((h) => h.version), user).toEqual([1, 2]);
    }
  });

  it('no user of the system may delete, purge or reconfigure it, or delete a head', async () => {
    for (const user of ['command-handler', 'audit-query', 'auditor']) {
      const jsm = await (await as(user)).jetstreamManager({ checkAPI: false });
      await expect(jsm.streams.delete(AUDIT_HEADS_STREAM), `${user} delete`).rejects.toThrow();
      await expect(jsm.streams.purge(AUDIT_HEADS_STREAM), `${user} purge`).rejects.toThrow();
      await expect(jsm.streams.deleteMessage(AUDIT_HEADS_STREAM, 1), `${user} delete a head`).rejects.toThrow();
      await expect(jsm.streams.update(AUDIT_HEADS_STREAM, { max_msgs: 1 }), `${user} update`).rejects.toThrow();
    }
    const anchors = await jetStreamAnchors(await as('auditor'));
    expect((await anchors.heads('Complaint-perm-1')).map((h) => h.version)).toEqual([1, 2]);
  });

  it('an auditor may not publish heads (it holds the key: a head it signed would stand beside the real ones)', async () => {
    const anchors = await jetStreamAnchors(await as('auditor'));
    await expect(anchors.publish(head(3))).rejects.toThrow();
    const reader = await jetStreamAnchors(await as('audit-query'));
    expect((await reader.heads('Complaint-perm-1')).map((h) => h.version)).toEqual([1, 2]);
  });
});
