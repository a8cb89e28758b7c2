import { describe, expect, it } from 'vitest';
import { carriedHandNotes } from '../src/index.ts';

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
