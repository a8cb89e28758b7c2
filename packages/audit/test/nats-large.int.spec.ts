// The NATS audit query and a complaint whose audit is larger than the server's max_payload:
// the requester gets a coded error and the service goes on answering.
import { complaintAggregate } from '@cs/domain';
import { createInMemoryEventStore } from '@cs/event-store';
import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAccessLog, startAuditQueryService, type AuditQueryReply } from '../src/index.ts';
import { complaintHistory, writer } from './history.ts';

// Its own subject: another test file's audit service on the shared server must not answer.
const subject = `t${Math.random().toString(36).slice(2, 10)}.cs.query.audit.complaint`;
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await nc?.drain();
});

describe('cs.query.audit.complaint with an audit beyond max_payload', () => {
  it('answers a coded error and keeps serving', async () => {
    const store = createInMemoryEventStore();
    const w = writer(store);
    const big = await complaintHistory(w, { steps: 1 });
    const note = 'x'.repeat(2000);
    for (let i = 0; i < Math.ceil(nc.info!.max_payload / 2000) + 10; i += 1)
      await w.send('complaint.notifyProgress', { complaintId: big.id, message: `${i} ${note}`.slice(0, 2000), via: 'sms', occurredAt: '2024-05-01T10:00:00.000Z' });
    const small = await complaintHistory(w, { steps: 1 });
    const svc = startAuditQueryService(nc, { store, anchors: w.anchors, accessLog: memoryAccessLog(() => new Date().toISOString()), aggregates: { complaint: complaintAggregate }, now: () => new Date().toISOString(), subject });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const ask = async (complaint: string): Promise<AuditQueryReply> => (await nc.request(subject, JSON.stringify({ complaint, reader: 'alice' }), { timeout: 10_000 })).json<AuditQueryReply>();
      expect(await ask(big.number)).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringContaining('max_payload') } });
      expect(await ask(small.number)).toMatchObject({ ok: true });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await svc.stop().catch(() => undefined);
    }
  });
});
