import { describe, expect, it } from 'vitest';
import { hostLoadText, hostShare, markdownTable, parseCpuTicks, readCpuTicks, roundsMet, verdict, type BenchRow } from '../src/index.ts';

const row = (over: Partial<BenchRow>): BenchRow => ({
  id: 'append_seq',
  figure: 'event-store append, single event, sequential',
  value: 1010,
  unit: 'events/s',
  baseline: 'raw PG insert + commit, sequential',
  baselineValue: 1370,
  ratio: 0.74,
  goal: '>= 0.8x',
  met: false,
  ...over,
});

describe('a goal verdict over interleaved rounds', () => {
  it('counts the rounds whose own ratio meets the goal, and says nothing for one round', () => {
    expect(roundsMet([0.74, 1.11, 0.55], (x) => x >= 0.8)).toEqual({ met: 1, of: 3 });
    expect(roundsMet([1.88, 1.58, 3.49], (x) => x <= 1.5)).toEqual({ met: 0, of: 3 });
    expect(roundsMet([0.9], (x) => x >= 0.8)).toBeUndefined();
  });
  it('gives the median round\'s verdict, "in all rounds" when they agree and "unsteady" when they do not', () => {
    expect(verdict({ met: false, rounds: { met: 0, of: 5 } })).toBe('**MISSED** (in all 5 rounds)');
    expect(verdict({ met: true, rounds: { met: 5, of: 5 } })).toBe('met (in all 5 rounds)');
    expect(verdict({ met: false, rounds: { met: 2, of: 5 } })).toBe('**MISSED** (2 of 5 rounds met it: unsteady)');
    expect(verdict({ met: true, rounds: { met: 3, of: 5 } })).toBe('met (3 of 5 rounds met it: unsteady)');
    expect(verdict({ met: true })).toBe('met');
    expect(verdict({ met: null })).toBe('');
  });
  it('puts the verdict in the table\'s goal column', () => {
    const table = markdownTable([row({ rounds: { met: 1, of: 3 } }), row({ id: 'x', met: null, goal: 'reported' })]);
    expect(table).toContain('| 0.74x | >= 0.8x — **MISSED** (1 of 3 rounds met it: unsteady) |');
    expect(table).toContain('| 0.74x | reported |');
  });
});

describe("the host's CPU shares (/proc/stat)", () => {
  it('parses the aggregate cpu line (nice with user, irq and softirq with system)', () => {
    expect(parseCpuTicks('cpu  50394 6 13439 66586 1729 3 2431 5299 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')).toEqual({
      user: 50400,
      system: 15873,
      idle: 66586,
      iowait: 1729,
      steal: 5299,
      total: 50394 + 6 + 13439 + 66586 + 1729 + 3 + 2431 + 5299,
    });
    expect(parseCpuTicks('intr 1 2 3\n')).toBeUndefined();
    expect(parseCpuTicks('cpu 1 2 x 4 5 6 7 8\n')).toBeUndefined();
  });
  it('gives the shares of all the ticks between two readings', () => {
    const before = parseCpuTicks('cpu 100 0 50 800 10 0 0 40 0 0')!;
    const after = parseCpuTicks('cpu 160 0 70 900 10 0 0 60 0 0')!;
    // 200 ticks passed: 80 busy (user + system), 100 idle, 20 stolen.
    expect(hostShare(before, after)).toEqual({ busy: 0.4, iowait: 0, steal: 0.1 });
    expect(hostShare(before, before)).toBeUndefined();
    expect(hostShare(undefined, after)).toBeUndefined();
  });
  it('reads this machine where /proc/stat exists', () => {
    const ticks = readCpuTicks();
    if (process.platform === 'linux') expect(ticks?.total).toBeGreaterThan(0);
    else expect(ticks).toBeUndefined();
  });
  it('describes the rounds and the rebuild, and nothing when not measured', () => {
    const text = hostLoadText({ rounds: [{ busy: 0.9, iowait: 0, steal: 0.05 }, null, { busy: 0.8, iowait: 0.01, steal: 0.125 }], rebuild: { busy: 0.97, iowait: 0, steal: 0.02 } });
    expect(text).toContain('during the rounds, each: busy 90.0 %, 80.0 %; stolen 5.0 %, 12.5 %');
    expect(text).toContain('during the rebuild: busy 97.0 %, stolen 2.0 %');
    expect(hostLoadText(undefined)).toBe('');
    expect(hostLoadText({ rounds: [null], rebuild: null })).toBe('');
  });
});
