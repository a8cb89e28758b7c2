import { complaintAggregate } from '@cs/domain';
import { createInMemoryEventStore } from '@cs/event-store';
import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anchorStreamHead,
  headSubject,
  jetStreamAnchors,
  memoryAccessLog,
  startAuditQueryService,
  type AuditQueryReply,
} from '../src/index.ts';
import { complaintHistory, KEY, writer } from './history.ts';

// Its own subject: another test file's audit service on the shared server must not answer.
const subject = `t${Math.random().toString(36).slice(2, 10)}.cs.query.audit.complaint`;
let nc: NatsConnection;
const run = `${process.pid}${Date.now().toString(36)}`;

beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await nc?.drain();
});

describe('JetStream anchors and the NATS audit query', () => {
  it('maps stream ids to subjects a NATS subject can hold', () => {
    expect(headSubject('Complaint-7')).toBe('cs.audit.head.Complaint.7');
    expect(headSubject('Complaint-a.b c')).toMatch(/^cs\.audit\.head\.Complaint\.~[A-Za-z0-9_-]+$/);
  });

  it('the write path anchors every head in JetStream (a retried publish is stored once); the query answers verified, logs, codes errors', async () => {
    const anchors = await jetStreamAnchors(nc);
    const store = createInMemoryEventStore();
    const w = writer(store, anchors);
    const c = await complaintHistory(w, { steps: 2 });
    const events = await store.readStream(c.streamId, { raw: true });
    // a retried publish of the same head is stored once (message id = stream@version)
    await anchorStreamHead({ store, sink: anchors, key: KEY, now: () => 'x' }, c.streamId);
    expect((await anchors.heads(c.streamId)).map((h) => [h.version, h.hash])).toEqual(events.map((e) => [e.streamVersion, e.hash]));
    expect(await anchors.heads(`Complaint-none${run}`)).toEqual([]);

    const accessLog = memoryAccessLog(() => new Date().toISOString());
    const svc = startAuditQueryService(nc, {
      store,
      anchors,
      key: KEY,
      accessLog,
      aggregates: { complaint: complaintAggregate },
      now: () => new Date().toISOString(),
      principal: 'nats:auditor',
      subject,
    });
    try {
      const ask = async (body: string): Promise<AuditQueryReply> => (await nc.request(subject, body, { timeout: 10_000 })).json<AuditQueryReply>();
      const ok = await ask(JSON.stringify({ complaint: c.number, reader: 'alice', at: 2 }));
      expect(ok.ok).toBe(true);
      const audit = (ok as { audit: { verified: boolean; stream: { view: { version: number; state: { status: string } }; verification: { anchor: string; anchoredVersion: number } } } }).audit;
      expect(audit.verified).toBe(true);
      expect(audit.stream.view).toMatchObject({ version: 2, state: { status: 'acknowledged' } });
      expect(audit.stream.verification).toMatchObject({ anchor: 'verified', anchoredVersion: 3 });
      expect(await accessLog.list()).toMatchObject([{ reader: 'alice', principal: 'nats:auditor', via: 'nats', complaintId: c.id }]);
      expect(await ask(JSON.stringify({ complaint: 'TS-1999-000000001', reader: 'alice' }))).toMatchObject({ ok: false, error: { code: 'complaint_not_found' } });
      expect(await ask('not json')).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
      expect(await ask(JSON.stringify({ complaint: c.id }))).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    } finally {
      await svc.stop();
    }
  });
});
