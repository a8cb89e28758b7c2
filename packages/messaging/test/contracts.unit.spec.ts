import { domainErrorCodes } from '@cs/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Envelope,
  MessagingError,
  natsConnectionOptionsFromEnv,
  parseCommandSubject,
  parseUntrustedJson,
  Reply,
  replyErrorCodes,
  commandSubject,
  commandEndpointSubject,
  errorReply,
  natsUsers,
  commandPermissions,
  internalServices,
} from '../src/index.ts';

const enc = new TextEncoder();
const limits = { maxBytes: 1024, maxDepth: 8 };

describe('envelope and reply schemas', () => {
  it('accepts a full envelope and defaults metadata', () => {
    const e = Envelope.parse({ commandId: 'c-1', type: 'order.place', payload: { orderId: 'O-1', occurredAt: '2024-05-01T08:00:00Z' } });
    expect(e.metadata).toEqual({});
  });
  it('refuses a command id of 0 or 129 characters, a non-object payload and unknown metadata keys', () => {
    const base = { type: 'order.place', payload: {}, metadata: {} };
    expect(Envelope.safeParse({ ...base, commandId: '' }).success).toBe(false);
    expect(Envelope.safeParse({ ...base, commandId: 'x'.repeat(128) }).success).toBe(true);
    expect(Envelope.safeParse({ ...base, commandId: 'x'.repeat(129) }).success).toBe(false);
    expect(Envelope.safeParse({ ...base, commandId: 'c', payload: [] }).success).toBe(false);
    expect(Envelope.safeParse({ ...base, commandId: 'c', metadata: { service: 'order-desk' } }).success).toBe(false);
  });
  it('parses success and error replies; rejects a mixed one', () => {
    expect(Reply.parse({ ok: true, commandId: 'c', streamId: 'Order-1', version: 3, eventTypes: ['OrderPlaced'], positions: ['0001'], duplicate: false }).ok).toBe(true);
    expect(Reply.parse(errorReply('validation', 'bad', { commandId: 'c', fields: [{ path: 'payload.x', message: 'required' }] }))).toEqual({
      ok: false,
      commandId: 'c',
      error: { code: 'validation', message: 'bad', fields: [{ path: 'payload.x', message: 'required' }] },
    });
    expect(Reply.safeParse({ ok: false, streamId: 'x', version: 1 }).success).toBe(false);
    expect(Reply.safeParse({ ok: true, commandId: 'c', error: { code: 'internal', message: 'x' } }).success).toBe(false);
  });
  it('error codes cover the transport codes and every domain rule code', () => {
    for (const c of ['validation', 'not_found', 'conflict_exhausted', 'idempotency_key_reused', 'unauthorized', 'payload_too_large', 'unknown_command', 'internal', 'unavailable'])
      expect(replyErrorCodes).toContain(c);
    for (const c of domainErrorCodes) expect(replyErrorCodes).toContain(c);
    expect(new Set(replyErrorCodes).size).toBe(replyErrorCodes.length);
  });
});

describe('subjects', () => {
  it('builds and parses cs.cmd.<type>.<service>', () => {
    expect(commandSubject('order.place', 'order-desk')).toBe('cs.cmd.order.place.order-desk');
    expect(commandEndpointSubject('order.place')).toBe('cs.cmd.order.place.*');
    expect(parseCommandSubject('cs.cmd.order.place.order-desk')).toEqual({ type: 'order.place', service: 'order-desk' });
    expect(parseCommandSubject('cs.cmd.order.place')).toBeUndefined(); // a type has at least two tokens, so no service here
    expect(parseCommandSubject('cs.cmd.order')).toBeUndefined();
    expect(parseCommandSubject('cs.query.audit.x.y')).toBeUndefined();
  });
  it('round-trips any type and service', () => {
    const token = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/);
    fc.assert(
      fc.property(fc.array(token, { minLength: 2, maxLength: 3 }), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), (tokens, service) => {
        const type = tokens.join('.');
        expect(parseCommandSubject(commandSubject(type, service))).toEqual({ type, service });
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseUntrustedJson', () => {
  it('refuses too large, empty, invalid UTF-8, malformed and too deep input with codes', () => {
    expect(parseUntrustedJson(enc.encode('x'.repeat(1025)), limits)).toMatchObject({ ok: false, code: 'payload_too_large' });
    expect(parseUntrustedJson(new Uint8Array(), limits)).toMatchObject({ ok: false, code: 'validation' });
    expect(parseUntrustedJson(new Uint8Array([0x22, 0xc3, 0x22]), limits)).toMatchObject({ ok: false, code: 'validation' });
    expect(parseUntrustedJson(enc.encode('{"a":'), limits)).toMatchObject({ ok: false, code: 'validation' });
    expect(parseUntrustedJson(enc.encode('[[[[[[[[[1]]]]]]]]]'), limits)).toMatchObject({ ok: false, code: 'validation' });
    expect(parseUntrustedJson(enc.encode('[[[[[[[[1]]]]]]]]'), limits)).toMatchObject({ ok: true });
  });
  it('ignores brackets inside strings when measuring depth', () => {
    expect(parseUntrustedJson(enc.encode(JSON.stringify({ s: '[[[[[[[[[[[[[', t: 'a"b\\[[[[[[[[[[' })), limits)).toMatchObject({ ok: true });
  });
  it('refuses __proto__, constructor and prototype keys at any depth, naming the path', () => {
    expect(parseUntrustedJson(enc.encode('{"a":[{"b":{"__proto__":{"x":1}}}]}'), limits)).toMatchObject({
      ok: false,
      code: 'validation',
      fields: [{ path: 'a.0.b.__proto__' }],
    });
    expect(parseUntrustedJson(enc.encode('{"constructor":{}}'), limits)).toMatchObject({ ok: false });
    expect(parseUntrustedJson(enc.encode('[{"prototype":1}]'), limits)).toMatchObject({ ok: false });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  it('refuses a forbidden key spelled with \\u escapes, and accepts the words as values', () => {
    expect(parseUntrustedJson(enc.encode('{"a":{"\\u005f_proto__":{"x":1}}}'), limits)).toMatchObject({ ok: false, fields: [{ path: 'a.__proto__' }] });
    expect(parseUntrustedJson(enc.encode('{"\\u0063onstructor":1}'), limits)).toMatchObject({ ok: false, fields: [{ path: 'constructor' }] });
    expect(parseUntrustedJson(enc.encode('{"note":"constructor","tag":"__proto__","s":"\\u00e9"}'), limits)).toMatchObject({ ok: true });
  });
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = parseUntrustedJson(bytes, limits);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('natsConnectionOptionsFromEnv', () => {
  it('builds reconnect-forever options with user and password', () => {
    const o = natsConnectionOptionsFromEnv({ NATS_URL: 'nats://a:4222, nats://b:4222', NATS_USER: 'order-desk', NATS_PASSWORD: 'pw', NATS_INBOX_PREFIX: '_INBOX.order-desk' });
    expect(o).toMatchObject({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'order-desk',
      pass: 'pw',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      waitOnFirstConnect: true,
      noAsyncTraces: true,
      inboxPrefix: '_INBOX.order-desk',
    });
  });
  it('uses a token alone; defaults to the local server', () => {
    expect(natsConnectionOptionsFromEnv({ NATS_TOKEN: 't0k' })).toMatchObject({ servers: ['nats://127.0.0.1:4222'], token: 't0k' });
  });
  it('refuses bad settings with invalid_config, naming variables but never secrets', () => {
    const bad: Record<string, string>[] = [
      { NATS_URL: 'http://x:4222' },
      { NATS_USER: 'order-desk' },
      { NATS_PASSWORD: 'hunter2' },
      { NATS_USER: 'u', NATS_PASSWORD: 'hunter2', NATS_TOKEN: 'hunter3' },
      { NATS_CREDS: '/nonexistent/x.creds' },
      { NATS_RECONNECT_WAIT_MS: 'soon' },
      { NATS_INBOX_PREFIX: 'inbox' },
    ];
    for (const env of bad) {
      let caught: unknown;
      try {
        natsConnectionOptionsFromEnv(env);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(MessagingError);
      expect((caught as MessagingError).code).toBe('invalid_config');
      expect((caught as MessagingError).message).not.toMatch(/hunter/);
    }
  });
});

describe('security configuration', () => {
  it('each internal service may publish only command subjects ending with its own name, and subscribe only its inbox', () => {
    for (const service of internalServices) {
      const u = natsUsers().find((x) => x.user === service);
      expect(u?.permissions.publish.allow.length).toBe(commandPermissions[service].length);
      for (const s of u?.permissions.publish.allow ?? []) expect(s).toMatch(new RegExp(`^cs\\.cmd\\.[a-z]+\\.[a-zA-Z*]+\\.${service}$`));
      expect(u?.permissions.subscribe.allow).toEqual([`_INBOX.${service}.>`]);
    }
    const auditor = natsUsers().find((x) => x.user === 'auditor');
    expect(auditor?.permissions.publish.allow).toEqual(['cs.query.audit.>', '$JS.API.>']);
    expect(auditor?.permissions.publish.deny).toEqual(expect.arrayContaining(['cs.audit.head.>', '$JS.API.STREAM.CREATE.>', '$JS.API.STREAM.DELETE.>']));
    const handler = natsUsers().find((x) => x.user === 'command-handler');
    expect(handler?.permissions.subscribe.allow).toContain('cs.cmd.>');
    expect(handler?.permissions.allow_responses).toBe(true);
  });
});
