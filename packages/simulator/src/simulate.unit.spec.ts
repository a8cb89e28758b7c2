import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregates } from '@cs/domain';
import { createRng, mulberry32 } from './prng.ts';
import { createReplay } from './replay.test-helper.ts';
import { createSimulation, simulate } from './simulate.ts';
import { iso, simulationWindow, type SimCommand } from './types.ts';

const all = (options: Parameters<typeof simulate>[0]): SimCommand[] => [...simulate(options)];

/** Sends every command through the deciders; returns the commands whose outcome differs from the expected one. */
const mismatches = (commands: readonly SimCommand[]) => {
  const replay = createReplay();
  const bad: { command: SimCommand; outcome: string }[] = [];
  for (const c of commands) {
    const r = replay.send(c);
    const got = r.ok ? undefined : r.code;
    if (got !== c.expectedError) bad.push({ command: c, outcome: r.ok ? 'accepted' : `${r.code}: ${r.message}` });
  }
  return bad;
};

describe('prng', () => {
  it('mulberry32 is deterministic per seed and spreads over [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });
  it('int stays within its bounds and poisson has about the right mean', () => {
    const rng = createRng(7);
    const ints = Array.from({ length: 2000 }, () => rng.int(3, 9));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5, 6, 7, 8, 9]));
    const counts = Array.from({ length: 5000 }, () => rng.poisson(1.5));
    const mean = counts.reduce((s, x) => s + x, 0) / counts.length;
    expect(mean).toBeGreaterThan(1.4);
    expect(mean).toBeLessThan(1.6);
  });
});

describe('simulate', () => {
  const options = { customers: 60, days: 30, seed: 7 };
  const commands = all(options);

  it('is deterministic for a seed and differs for another seed', () => {
    expect(all(options)).toEqual(commands);
    const other = all({ ...options, seed: 8 });
    expect(other.map((c) => c.payload)).not.toEqual(commands.map((c) => c.payload));
  });

  it('yields commands in business-time order, inside the window, with unique ids and occurredAt = at', () => {
    const { from, to } = simulationWindow(options);
    let previous = -Infinity;
    for (const c of commands) {
      expect(c.at).toBeGreaterThanOrEqual(previous);
      previous = c.at;
      expect(c.at).toBeGreaterThanOrEqual(from);
      expect(c.at).toBeLessThan(to);
      expect(c.payload.occurredAt).toBe(iso(c.at));
    }
    expect(new Set(commands.map((c) => c.commandId)).size).toBe(commands.length);
    expect(commands[0]?.type).toBe('standard.publish');
  });

  it('opens every customer before its first order, with the DOMAIN.md mix and every standard column', () => {
    const opens = commands.filter((c) => c.type === 'customer.open');
    expect(opens).toHaveLength(60);
    const byClass = (k: string) => opens.filter((c) => c.payload.classification === k).length;
    expect([byClass('key'), byClass('suitable'), byClass('general')]).toEqual([3, 9, 48]);
    const columns = new Set(
      opens.map((c) => {
        const t = c.payload.customerType as { kind: string; ownership?: string };
        return t.kind === 'enterprise' ? t.ownership : t.kind;
      }),
    );
    expect(columns).toEqual(new Set(['foreign', 'private', 'state_owned', 'individual', 'government_institution']));
    const opened = new Map(opens.map((c) => [c.payload.customerId, c.at]));
    for (const c of commands.filter((x) => x.type === 'order.place')) {
      expect(opened.get(c.payload.customerId)).toBeLessThan(c.at);
    }
  });

  it('gives 5 % key, 15 % suitable and 80 % general customers at any size', () => {
    const sim = createSimulation({ customers: 1000, days: 1, seed: 3 });
    for (const _ of sim.commands) void _;
    expect(sim.stats.customers).toEqual({ key: 50, suitable: 150, general: 800 });
  });

  it('every command passes its schema and the deciders; the only refusals are the predicted credit refusals', () => {
    const bad = mismatches(commands);
    expect(bad.slice(0, 5)).toEqual([]);
    const refused = commands.filter((c) => c.expectedError !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((c) => c.type === 'order.accept')).toBe(true);
  });

  it('covers the behaviours of the issue: lateness, shortages, damage, losses, cancellations, escalations, reopenings, returns', () => {
    const sim = createSimulation({ customers: 120, days: 60, seed: 11 });
    const list = [...sim.commands];
    const s = sim.stats;
    console.log('simulation stats (120 customers, 60 days):', JSON.stringify({ ...s, byType: undefined }));
    expect(s.lateDispatches).toBeGreaterThan(0);
    expect(s.lateDeliveries).toBeGreaterThan(s.deliveries * 0.03);
    expect(s.lateDeliveries).toBeLessThan(s.deliveries * 0.3);
    for (const k of ['shortages', 'damagedDeliveries', 'losses', 'cancellations', 'verificationRejections', 'creditRefusals', 'complaints', 'escalations', 'reopens', 'returnsConfirmed', 'returnsUnconfirmed', 'returnsRejected'] as const) {
      expect(s[k], k).toBeGreaterThan(0);
    }
    // Every command a sending service may send appears (the process-only ones are sent by the application).
    const processOnly = new Set(['customer.reserveCredit', 'order.reserveReturn', 'order.releaseReturn']);
    const sendable = aggregates.flatMap((a) => Object.keys(a.commands)).filter((t) => !processOnly.has(t));
    const missing = sendable.filter((t) => !s.byType[t]);
    expect(missing).toEqual([]);
    const categories = new Set(list.filter((c) => c.type === 'complaint.receive').map((c) => c.payload.category));
    expect([...categories].sort()).toEqual(['damage', 'delay', 'loss', 'shortage_wrong_goods']);
    const reasons = new Set(list.filter((c) => c.type === 'return.request').map((c) => c.payload.reason));
    expect(reasons.size).toBeGreaterThanOrEqual(3);
    expect(mismatches(list).slice(0, 5)).toEqual([]);
  });

  it('separates runs: another run index shares no ids and keeps complaint numbers unique', () => {
    const r1 = all({ ...options, runIndex: 1, startDate: '2026-02-04' });
    const ids = new Set(commands.map((c) => c.commandId));
    expect(r1.some((c) => ids.has(c.commandId))).toBe(false);
    const numbers = [...commands, ...r1].filter((c) => c.type === 'complaint.receive').map((c) => c.payload.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    // The second run continues the same company records (standard versions 3 and 4).
    expect(mismatches([...commands, ...r1]).slice(0, 5)).toEqual([]);
  });

  it('refuses bad options with a clear error', () => {
    expect(() => simulate({ customers: 0, days: 1, seed: 1 })).toThrow(/customers/);
    expect(() => simulate({ customers: 1, days: 1.5, seed: 1 })).toThrow(/days/);
    expect(() => simulate({ customers: 1, days: 1, seed: -1 })).toThrow(/seed/);
    expect(() => simulate({ customers: 1, days: 1, seed: 1, startDate: '2026-13-45' })).toThrow(/startDate/);
  });

  it('property: any seed and small size gives time-ordered commands the deciders accept', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (seed, customers, days) => {
        const list = all({ customers, days, seed });
        for (let i = 1; i < list.length; i++) expect(list[i]!.at).toBeGreaterThanOrEqual(list[i - 1]!.at);
        expect(mismatches(list).slice(0, 3)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('generates fast enough for the benchmark (a pure generator)', () => {
    const started = performance.now();
    const sim = createSimulation({ customers: 2000, days: 30, seed: 5 });
    let n = 0;
    for (const _ of sim.commands) n += 1;
    const seconds = (performance.now() - started) / 1000;
    console.log(`generated ${n} commands in ${seconds.toFixed(2)} s (${Math.round(n / seconds)} commands/s)`);
    expect(n).toBe(sim.stats.commands);
    expect(n).toBeGreaterThan(50_000);
    expect(n / seconds).toBeGreaterThan(20_000);
  });
});
