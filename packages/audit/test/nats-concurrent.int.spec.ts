// The NATS audit query serves several auditors at once: a slow audit (a number no claim names,
// found only by scanning the global order) must not hold a quick one behind it.
import { randomUUID } from 'node:crypto';
import { complaintAggregate } from '@cs/domain';
import { createInMemoryEventStore, type EventStore } from '@cs/event-store';
import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAccessLog, startAuditQueryService, type AuditQueryReply } from '../src/index.ts';
import { complaintHistory, writer } from './history.ts';

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await nc?.drain();
});

describe('cs.query.audit.complaint with a slow audit in flight', () => {
  it('answers a quick audit while a slow one is still being read', async () => {
    const store = createInMemoryEventStore();
    const w = writer(store);
    const c = await complaintHistory(w, { steps: 2 });
    // The same store with every scan of the global order 1.5 s slower (a large store).
    const slowScans: EventStore = Object.assign(Object.create(store) as EventStore, {
      readAll: async (...args: Parameters<EventStore['readAll']>) => {
        await new Promise((r) => setTimeout(r, 1_500));
        return store.readAll(...args);
      },
    });
    const subject = `t${randomUUID().slice(0, 8)}.cs.query.audit.complaint`;
    const now = () => new Date().toISOString();
    const svc = startAuditQueryService(nc, { store: slowScans, anchors: w.anchors, accessLog: memoryAccessLog(now), aggregates: { complaint: complaintAggregate }, now, subject });
    try {
      const order: string[] = [];
      const ask = async (complaint: string): Promise<AuditQueryReply> => {
        const reply = (await nc.request(subject, JSON.stringify({ complaint, reader: 'alice' }), { timeout: 10_000 })).json<AuditQueryReply>();
        order.push(complaint);
        return reply;
      };
      const slow = ask('TS-1999-000000404'); // no claim: found only by a scan
      await new Promise((r) => setTimeout(r, 100));
      const quick = ask(c.id);
      expect(await quick).toMatchObject({ ok: true });
      expect(await slow).toMatchObject({ ok: false, error: { code: 'complaint_not_found' } });
      expect(order).toEqual([c.id, 'TS-1999-000000404']);
    } finally {
      await svc.stop();
    }
  });
});
