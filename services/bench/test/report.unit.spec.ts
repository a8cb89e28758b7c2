import { describe, expect, it } from 'vitest';
import { carriedHandNotes, handNotes, missedGoalFinding, withCurrentCauses, type BenchReport, type BenchRow } from '../src/index.ts';

const generated = '# Benchmarks\n\n| figure | value |\n|---|---|\n\n## Findings\n\n- Goal missed: x.\n\n## How each figure is measured\n\n- Raw NATS: echo.\n';

describe('carriedHandNotes (the hand notes a new bench run keeps)', () => {
  it('keeps this run\'s and the earlier runs\' notes, newest first, as notes on earlier runs', () => {
    const previous = `${generated}\n## Notes on this run (added by hand)\n\n- Host B was noisy.\n\n## Notes on earlier runs (added by hand)\n\n- Host A: tried X, not adopted.\n`;
    expect(carriedHandNotes(previous)).toBe('\n## Notes on earlier runs (added by hand)\n\n- Host B was noisy.\n\n- Host A: tried X, not adopted.\n');
  });
  it('carries the same notes again after the next run (nothing lost, nothing doubled)', () => {
    const once = carriedHandNotes(`${generated}\n## Notes on this run (added by hand)\n\n- B.\n\n## Notes on earlier runs (added by hand)\n\n- A.\n`);
    expect(carriedHandNotes(`${generated}${once}`)).toBe(once);
  });
  it('is empty when the previous file has no hand notes, or empty sections', () => {
    expect(carriedHandNotes('')).toBe('');
    expect(carriedHandNotes(generated)).toBe('');
    expect(carriedHandNotes(`${generated}\n## Notes on this run (added by hand)\n\n`)).toBe('');
  });
  it('does not take a heading that only mentions notes for a section', () => {
    const previous = `${generated}\n## Notes on this run (added by hand)\n\n- See "## Notes on this run" above.\n`;
    expect(carriedHandNotes(previous)).toBe('\n## Notes on earlier runs (added by hand)\n\n- See "## Notes on this run" above.\n');
  });
});

describe('re-rendering a run (pnpm bench --render)', () => {
  it('keeps the hand notes exactly as they stand, this run\'s as this run\'s', () => {
    const notes = '## Notes on this run (added by hand)\n\n- Host B was noisy.\n\n## Notes on earlier runs (added by hand)\n\n- Host A.\n';
    expect(handNotes(`${generated}\n${notes}`)).toBe(`\n${notes}`);
    expect(handNotes(generated)).toBe('');
  });
  it('writes the missed goals\' findings again with today\'s causes, the other findings and every figure as they were', () => {
    const row = (id: string, met: boolean | null): BenchRow => ({ id, figure: id, value: 1, unit: 'x', baseline: 'b', baselineValue: 2, ratio: 0.5, goal: '>= 0.8x', met, rounds: { met: 0, of: 5 } });
    const report: BenchReport = {
      date: '2026-12-03T00:00:00.000Z',
      mode: 'full',
      machine: { cpu: 'c', cores: 2, memoryGb: 24, node: 'v20', postgres: 'PostgreSQL 15', nats: '2.9', os: 'Linux' },
      sizes: { rounds: 5 },
      rows: [row('append_b100', false), row('rss_end', true), row('nothing_profiled', false)],
      findings: ["Emmett's catch-up incomplete: x.", 'Goal missed: append_b100 = 1.00 x (0.50x), goal >= 0.8x. An old cause.'],
      durationSeconds: 1,
    };
    const fresh = withCurrentCauses(report);
    expect(fresh.rows).toBe(report.rows);
    expect(fresh.findings).toHaveLength(3);
    expect(fresh.findings[0]).toBe("Emmett's catch-up incomplete: x.");
    expect(fresh.findings[1]).toBe(missedGoalFinding(report.rows[0]!));
    expect(fresh.findings[1]).toContain('goal >= 0.8x (met in 0 of 5 rounds). In short: ');
    expect(fresh.findings[1]).not.toContain('An old cause');
    expect(fresh.findings[2]).toContain('Cause not profiled yet');
  });
});
