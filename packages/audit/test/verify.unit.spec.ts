import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashableOf, headSignatureValid, recomputeHash, signHead, verifyStream, type ProblemKind } from '../src/index.ts';
import { chainedStream, headsFor, KEY, rechain } from './fixtures.ts';

const S = 'Complaint-c1';
const base = chainedStream(
  S,
  Array.from({ length: 6 }, (_, i) => ({ type: i === 0 ? 'ComplaintReceived' : `Step${i}`, data: { complaintId: 'c1', note: `n${i}` } })),
);
const heads = headsFor(base);
const check = (events: typeof base, h = heads, key: string | undefined = KEY) => verifyStream(S, events.map(hashableOf), h, key, recomputeHash);

describe('verifyStream', () => {
  it('accepts an intact, anchored stream', () => {
    const v = check(base);
    expect(v).toMatchObject({ ok: true, anchor: 'verified', anchoredVersion: 6, unanchoredFrom: null, firstProblem: null, eventsChecked: 6 });
  });

  it('names an event whose data was changed', () => {
    const t = base.map((e) => ({ ...e }));
    t[2] = { ...t[2]!, data: { ...(t[2]!.data as object), note: 'edited' } };
    expect(check(t).firstProblem).toMatchObject({ kind: 'changed', version: 3, eventId: t[2]!.id });
  });

  it('names an event whose data and own hash were rewritten (the next link breaks)', () => {
    const t = base.map((e) => ({ ...e }));
    t[2] = { ...t[2]!, data: { note: 'edited' } };
    t[2] = { ...t[2]!, hash: recomputeHash(hashableOf(t[2]!)) };
    expect(check(t).firstProblem).toMatchObject({ kind: 'changed', version: 3 });
  });

  it('names a removed event', () => {
    const t = base.filter((e) => e.streamVersion !== 4);
    expect(check(t).firstProblem).toMatchObject({ kind: 'removed', version: 4 });
    expect(check(t).problems).toHaveLength(1);
  });

  it('names swapped events (versions swapped)', () => {
    const t = base.map((e) => ({ ...e }));
    const a = t[1]!;
    const b = t[2]!;
    t[1] = { ...b, streamVersion: 2 };
    t[2] = { ...a, streamVersion: 3 };
    expect(check(t).firstProblem).toMatchObject({ kind: 'reordered', version: 2 });
  });

  it('names swapped events (read order swapped)', () => {
    const t = [base[0]!, base[2]!, base[1]!, ...base.slice(3)];
    expect(check(t).firstProblem).toMatchObject({ kind: 'reordered', version: 3 });
  });

  it('detects a truncated tail through the anchors only', () => {
    const t = base.slice(0, 4);
    expect(check(t, [])).toMatchObject({ ok: true, anchor: 'absent' });
    expect(check(t).firstProblem).toMatchObject({ kind: 'missing_tail', version: 5 });
  });

  it('detects a wholly recomputed chain and names the first rewritten event', () => {
    const t = base.map((e) => ({ ...e }));
    t[1] = { ...t[1]!, data: { note: 'rewritten history' } };
    const forged = rechain(t, 1);
    expect(check(forged, [])).toMatchObject({ ok: true });
    expect(check(forged).firstProblem).toMatchObject({ kind: 'chain_recomputed', version: 2 });
  });

  it('refuses a forged anchor and cannot check without the key', () => {
    const forgedHead = { ...signHead('another key that is long enough.....', { streamId: S, version: 6, hash: base[5]!.hash }, 'x') };
    expect(check(base, [forgedHead]).firstProblem).toMatchObject({ kind: 'anchor_forged', version: 6 });
    expect(verifyStream(S, base.map(hashableOf), heads, undefined, recomputeHash)).toMatchObject({ ok: true, anchor: 'no_key' });
  });

  it('refuses an anchor whose hmac is the right one with anything before, after or inside it (only 64 hex digits are a signature)', () => {
    const real = heads[5]!;
    for (const hmac of [`${real.hmac}zz`, `${real.hmac} `, ` ${real.hmac}`, `${real.hmac}00`, real.hmac.toUpperCase().slice(0, 63), `${real.hmac.slice(0, 10)}-${real.hmac.slice(10)}`])
      expect(headSignatureValid(KEY, { ...real, hmac }), JSON.stringify(hmac)).toBe(false);
    expect(headSignatureValid(KEY, real)).toBe(true);
  });

  it('reports events newer than the last anchor as unanchored, not as a failure', () => {
    expect(check(base, heads.slice(0, 4))).toMatchObject({ ok: true, anchoredVersion: 4, unanchoredFrom: 5 });
  });

  it('property: any single tampering is detected and named at the right version', () => {
    const kinds: ProblemKind[] = ['changed', 'removed', 'reordered', 'missing_tail', 'chain_recomputed'];
    let detected = 0;
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 12 }), fc.constantFrom(...kinds), fc.nat(), fc.string(), (n, kind, r, text) => {
        const events = chainedStream(S, Array.from({ length: n }, (_, i) => ({ type: `T${i}`, data: { i } })));
        const hs = headsFor(events);
        const at = 1 + (r % (n - 2)); // index 1..n-2: a middle event
        let t = events.map((e) => ({ ...e }));
        let version = at + 1;
        if (kind === 'changed') t[at] = { ...t[at]!, data: { i: at, text: `${text}!` } };
        if (kind === 'removed') t.splice(at, 1);
        if (kind === 'reordered') {
          t = [...t.slice(0, at), t[at + 1]!, t[at]!, ...t.slice(at + 2)];
          version = at + 2;
        }
        if (kind === 'missing_tail') t = t.slice(0, at);
        if (kind === 'chain_recomputed') {
          t[at] = { ...t[at]!, data: { i: -1 } };
          t = rechain(t, at);
        }
        const v = verifyStream(S, t.map(hashableOf), hs, KEY, recomputeHash);
        expect(v.ok).toBe(false);
        expect(v.firstProblem).toMatchObject({ kind, version });
        detected += 1;
      }),
      { numRuns: 200 },
    );
    expect(detected).toBe(200);
  });
});
