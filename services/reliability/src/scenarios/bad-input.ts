import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createPostgresEventStore } from '@cs/event-store';
import { simulate } from '@cs/simulator';
import { createTestDatabase, ownNatsServer } from '@cs/testing';
import fc from 'fast-check';
import { connect, type NatsConnection } from 'nats';
import { catalogue, serveCommands } from '../catalogue.ts';
import { figures, readEverything, rootCommandId, sleep, writePath, type Scenario } from '../support.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Probe = { kind: string; subjectType: string; service: string; body: Uint8Array; commandId: string; valid: boolean };

const forceGc = (): (() => void) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
};

const nested = (depth: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
};

/**
 * Bad input: `size` fuzzed commands (fast-check: wrong types, missing fields, huge strings,
 * deep nesting, unknown types, `__proto__`, invalid dates, broken JSON and envelopes) sent over
 * NATS to the command service, interleaved with `size / 10` valid ones. Every bad one must get
 * a coded error and store nothing, every valid one must be accepted, the service must answer
 * afterwards, and the heap must not grow.
 *
 * @example
 * const result = await badInput.run(500, console.log);
 */
export const badInput: Scenario = {
  name: 'bad input',
  title: 'fuzzed commands interleaved with valid ones, over NATS',
  sizes: { full: 10_000, short: 500 },
  run: async (size, log) => {
    const f = figures('bad input', `${size} fuzzed + ${Math.ceil(size / 10)} valid commands`);
    const gc = forceGc();
    const templates = new Map<string, Record<string, unknown>>();
    const services = new Map<string, string>();
    for (const c of simulate({ customers: 30, days: 10, seed: 5 })) {
      if (!templates.has(c.type)) {
        templates.set(c.type, c.payload);
        services.set(c.type, c.service);
      }
    }
    const known = new Set(catalogue().map((e) => e.type));
    const types = [...templates.keys()];
    const open = templates.get('customer.open')!;
    const envelope = (commandId: string, type: string, payload: unknown, extra: Record<string, unknown> = {}) =>
      encoder.encode(JSON.stringify({ commandId, type, payload, metadata: {}, ...extra }));

    const typeArb = fc.constantFrom(...types);
    const wrongValue = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }), fc.constantFrom('', ' ', 'has space', '../../etc'));
    const idField = (payload: Record<string, unknown>) => Object.keys(payload).find((k) => /Id$/.test(k)) ?? 'occurredAt';
    const badDate = fc.constantFrom('2026-13-01T00:00:00Z', '2026-02-30T10:00:00Z', '2026-01-01T25:00:00Z', 'yesterday', '', '2026-01-01', '2999-01-01T00:00:00Z', 1767225600000, null);
    const kinds: fc.Arbitrary<{ kind: string; build: (id: string) => { subjectType: string; body: Uint8Array } }>[] = [
      fc.tuple(typeArb, wrongValue).map(([type, v]) => ({
        kind: 'wrong type',
        build: (id) => {
          const p = { ...templates.get(type)! };
          p[idField(p)] = v;
          return { subjectType: type, body: envelope(id, type, p) };
        },
      })),
      fc.tuple(typeArb, fc.boolean()).map(([type, dropId]) => ({
        kind: 'missing field',
        build: (id) => {
          const p = { ...templates.get(type)! };
          delete p[dropId ? idField(p) : 'occurredAt'];
          return { subjectType: type, body: envelope(id, type, p) };
        },
      })),
      fc.tuple(typeArb, fc.integer({ min: 129, max: 200_000 })).map(([type, n]) => ({
        kind: 'huge string',
        build: (id) => {
          const p = { ...templates.get(type)! };
          p[idField(p)] = 'x'.repeat(n);
          return { subjectType: type, body: envelope(id, type, p) };
        },
      })),
      fc.tuple(typeArb, fc.integer({ min: 33, max: 3000 })).map(([type, depth]) => ({
        kind: 'deep nesting',
        build: (id) => ({ subjectType: type, body: envelope(id, type, { ...templates.get(type)!, extra: nested(depth) }) }),
      })),
      fc.stringMatching(/^[a-z]{2,10}\.[a-z][A-Za-z]{1,12}$/).filter((t) => !known.has(t)).map((type) => ({
        kind: 'unknown type',
        build: (id) => ({ subjectType: type, body: envelope(id, type, { ...open, customerId: id.replace(/[^A-Za-z0-9]/g, '') }) }),
      })),
      fc.tuple(typeArb, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('payload', 'envelope', 'nested')).map(([type, key, where]) => ({
        kind: '__proto__',
        build: (id) => {
          const p = JSON.stringify(templates.get(type)!);
          const poison = `"${key}":{"isAdmin":true,"status":"closed"}`;
          const payload = where === 'payload' ? `{${poison},${p.slice(1)}` : where === 'nested' ? `{"extra":{"inner":[{${poison}}]},${p.slice(1)}` : p;
          const text = `{${where === 'envelope' ? `${poison},` : ''}"commandId":${JSON.stringify(id)},"type":${JSON.stringify(type)},"payload":${payload},"metadata":{}}`;
          return { subjectType: type, body: encoder.encode(text) };
        },
      })),
      fc.tuple(typeArb, badDate).map(([type, date]) => ({
        kind: 'invalid date',
        build: (id) => ({ subjectType: type, body: envelope(id, type, { ...templates.get(type)!, occurredAt: date }) }),
      })),
      fc.tuple(typeArb, fc.constantFrom('{"commandId":', 'null', '[]', '"x"', '\u00ff\u00fe', '{"commandId":"a","type":"x.y","payload":[],"metadata":{}}', '')).map(([type, text]) => ({
        kind: 'broken JSON or envelope',
        build: () => ({ subjectType: type, body: encoder.encode(text) }),
      })),
      fc.tuple(typeArb, fc.constantFrom('missing id', 'id type', 'type mismatch', 'unknown key')).map(([type, how]) => ({
        kind: 'bad envelope',
        build: (id) => {
          const p = templates.get(type)!;
          const text =
            how === 'missing id' ? JSON.stringify({ type, payload: p }) :
            how === 'id type' ? JSON.stringify({ commandId: 42, type, payload: p }) :
            how === 'type mismatch' ? JSON.stringify({ commandId: id, type: types.find((t) => t !== type), payload: p }) :
            JSON.stringify({ commandId: id, type, payload: p, metadata: {}, sudo: true });
          return { subjectType: type, body: encoder.encode(text) };
        },
      })),
    ];
    const fuzz = fc.sample(fc.oneof(...kinds), { numRuns: size, seed: 20261123 });
    const probes: Probe[] = [];
    let valid = 0;
    fuzz.forEach((k, i) => {
      const commandId = `bad-${i}`;
      const built = k.build(commandId);
      probes.push({ kind: k.kind, subjectType: built.subjectType, service: services.get(built.subjectType) ?? 'order-desk', body: built.body, commandId, valid: false });
      if (i % 10 === 0) {
        valid += 1;
        const vid = `valid-${valid}`;
        probes.push({ kind: 'valid', subjectType: 'customer.open', service: 'order-desk', body: envelope(vid, 'customer.open', { ...open, customerId: `rel-v${valid}` }), commandId: vid, valid: true });
      }
    });

    const database = await createTestDatabase('rel_bad_input');
    const nats = await ownNatsServer();
    const store = await createPostgresEventStore({ connectionString: database.url, max: 8 });
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: nats.url });
      const client = await connect({ servers: nats.url });
      const service = await serveCommands(nc, writePath(store));
      const ask = async (p: Probe): Promise<unknown> => {
        try {
          const msg = await client.request(`cs.cmd.${p.subjectType}.${p.service}`, p.body, { timeout: 10_000 });
          return JSON.parse(decoder.decode(msg.data));
        } catch (e) {
          return { transport: e instanceof Error ? e.message : String(e) };
        }
      };
      // Warm up, then measure the heap around the run.
      await ask(probes.find((p) => p.valid)!);
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const byKind = new Map<string, { n: number; wrong: number; codes: Map<string, number> }>();
      let next = 0;
      let accepted = 0;
      const wrongExamples: string[] = [];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < probes.length) {
            const p = probes[next++]!;
            const reply = (await ask(p)) as { ok?: boolean; error?: { code?: unknown } };
            const k = byKind.get(p.kind) ?? { n: 0, wrong: 0, codes: new Map<string, number>() };
            byKind.set(p.kind, k);
            k.n += 1;
            const code = reply.ok === true ? 'ok' : typeof reply.error?.code === 'string' ? reply.error.code : 'no coded reply';
            k.codes.set(code, (k.codes.get(code) ?? 0) + 1);
            const right = p.valid ? reply.ok === true : reply.ok === false && typeof reply.error?.code === 'string' && /^[a-z_]+$/.test(reply.error.code) && reply.error.code !== 'internal';
            if (p.valid && right) accepted += 1;
            if (!right) {
              k.wrong += 1;
              if (wrongExamples.length < 10) wrongExamples.push(`${p.kind} ${p.subjectType}: ${decoder.decode(p.body).slice(0, 160)} -> ${JSON.stringify(reply).slice(0, 200)}`);
            }
          }
        }),
      );
      gc();
      const heapAfter = process.memoryUsage().heapUsed;
      const growthMb = (heapAfter - heapBefore) / 2 ** 20;
      // Alive afterwards: a fresh valid command is accepted.
      const last = (await ask({ kind: 'valid', subjectType: 'customer.open', service: 'order-desk', body: envelope('valid-last', 'customer.open', { ...open, customerId: 'rel-last' }), commandId: 'valid-last', valid: true })) as { ok?: boolean };
      await service.stop();
      await client.close();

      const events = await readEverything(store, database.url);
      const fromBad = events.filter((e) => !rootCommandId(e).startsWith('valid-')).length;
      f.r.runs = probes.length;
      f.r.wrongReplies = [...byKind.values()].reduce((n, k) => n + k.wrong, 0);
      f.r.duplicated = fromBad;
      // Each valid command (customer.open) stores exactly one event.
      f.r.lost = Math.max(0, valid + 1 - events.filter((e) => rootCommandId(e).startsWith('valid-')).length);
      f.r.problems.push(...wrongExamples);
      f.check(last.ok === true, `the service did not accept a valid command afterwards: ${JSON.stringify(last)}`);
      f.check(accepted === valid, `${valid - accepted} valid commands not accepted`);
      f.check(growthMb < 64, `heap grew by ${growthMb.toFixed(1)} MB`);
      for (const [kind, k] of byKind) f.note(`${kind}: ${k.n} sent, ${k.wrong} wrong; replies ${[...k.codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
      f.note(`${events.length} events stored (${valid + 1} valid commands, ${fromBad} from bad ones); heap after gc ${(heapBefore / 2 ** 20).toFixed(1)} MB before, ${(heapAfter / 2 ** 20).toFixed(1)} MB after (${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB)`);
      log(`bad input: ${probes.length} sent, wrong ${f.r.wrongReplies}, events from bad ${fromBad}`);
      await sleep(10);
      return f.result();
    } finally {
      await nc?.close().catch(() => undefined);
      await store.close();
      await nats.cleanup();
      await database.drop();
    }
  },
};
