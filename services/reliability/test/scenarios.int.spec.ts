import { describe, expect, it } from 'vitest';
import { passed, scenarios } from '../src/index.ts';

// The short variant of every scenario (the full sizes run with `pnpm reliability`).
describe('reliability scenarios (short sizes)', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: ${scenario.title}`, async () => {
      const result = await scenario.run(scenario.sizes.short, () => undefined);
      console.info(`${result.name} [${result.size}]: runs ${result.runs}, failures ${result.failures}, lost ${result.lost}, duplicated ${result.duplicated}, wrong replies ${result.wrongReplies}; ${result.notes.join('; ')}`);
      expect(result.problems).toEqual([]);
      expect(result.runs).toBeGreaterThan(0);
      expect({ failures: result.failures, lost: result.lost, duplicated: result.duplicated, wrongReplies: result.wrongReplies }).toEqual({ failures: 0, lost: 0, duplicated: 0, wrongReplies: 0 });
      expect(passed(result)).toBe(true);
    });
  }
});
