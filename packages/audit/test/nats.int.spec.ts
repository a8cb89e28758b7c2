import { testEnv } from '@cs/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_QUERY_SUBJECT,
  anchorStreamHead,
  headSubject,
  jetStreamAnchors,
  memoryAccessLog,
  startAuditQueryService,
  type AuditQueryReply,
} from '../src/index.ts';
import { chainedStream, fixedStore, KEY, miniDecider } from './fixtures.ts';

let nc: NatsConnection;
const run = `${process.pid}${Date.now().toString(36)}`;

beforeAll(async () => {
  nc = await connect({ servers: testEnv.natsUrl });
});
afterAll(async () => {
  await nc?.drain();
});

describe('JetStream anchors and the NATS audit query', () => {
  const id = `nats${run}`;
  const events = chainedStream(`Complaint-${id}`, [
    { type: 'ComplaintReceived', data: { complaintId: id, number: `N-${id}`, orderId: null } },
    { type: 'ComplaintAcknowledged', data: { complaintId: id } },
    { type: 'ComplaintResolved', data: { complaintId: id } },
  ]);

  it('maps stream ids to subjects a NATS subject can hold', () => {
    expect(headSubject('Complaint-7')).toBe('cs.audit.head.Complaint.7');
    expect(headSubject('Complaint-a.b c')).toMatch(/^cs\.audit\.head\.Complaint\.~[A-Za-z0-9_-]+$/);
  });

  it('publishes a signed head after each append and reads them back in order', async () => {
    const anchors = await jetStreamAnchors(nc);
    for (let v = 1; v <= events.length; v += 1) {
      const store = { streamHead: async () => ({ version: v, hash: events[v - 1]!.hash }) };
      await anchorStreamHead({ store, sink: anchors, key: KEY, now: () => new Date().toISOString() }, `Complaint-${id}`);
    }
    // a retried publish of the same head is stored once (message id = stream@version)
    await anchorStreamHead({ store: { streamHead: async () => ({ version: 3, hash: events[2]!.hash }) }, sink: anchors, key: KEY, now: () => 'x' }, `Complaint-${id}`);
    const heads = await anchors.heads(`Complaint-${id}`);
    expect(heads.map((h) => [h.version, h.hash])).toEqual(events.map((e) => [e.streamVersion, e.hash]));
    expect(await anchors.heads(`Complaint-none${run}`)).toEqual([]);
  });

  it('answers cs.query.audit.complaint with the verified audit, logs it, and codes errors', async () => {
    const anchors = await jetStreamAnchors(nc);
    const accessLog = memoryAccessLog(() => new Date().toISOString());
    const svc = startAuditQueryService(nc, {
      store: fixedStore([events]),
      anchors,
      key: KEY,
      accessLog,
      aggregates: { complaint: { decider: miniDecider } as never },
      now: () => new Date().toISOString(),
      principal: 'nats:auditor',
    });
    try {
      const ask = async (body: string): Promise<AuditQueryReply> => (await nc.request(AUDIT_QUERY_SUBJECT, body, { timeout: 10_000 })).json<AuditQueryReply>();
      const ok = await ask(JSON.stringify({ complaint: `N-${id}`, reader: 'alice', asOf: events[1]!.metadata.recordedAt }));
      expect(ok.ok).toBe(true);
      const audit = (ok as { audit: { verified: boolean; stream: { view: { version: number }; verification: { anchor: string; anchoredVersion: number } } } }).audit;
      expect(audit.verified).toBe(true);
      expect(audit.stream.view.version).toBe(2);
      expect(audit.stream.verification).toMatchObject({ anchor: 'verified', anchoredVersion: 3 });
      expect(await accessLog.list()).toMatchObject([{ reader: 'alice', principal: 'nats:auditor', via: 'nats', complaintId: id }]);
      expect(await ask(JSON.stringify({ complaint: 'nope', reader: 'alice' }))).toMatchObject({ ok: false, error: { code: 'complaint_not_found' } });
      expect(await ask('not json')).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
      expect(await ask(JSON.stringify({ complaint: id }))).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    } finally {
      await svc.stop();
    }
  });
});
