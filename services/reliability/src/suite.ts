import { scenarios } from './scenarios/index.ts';
import { figures, type ScenarioResult } from './support.ts';

export type SuiteOptions = { short: boolean; only?: readonly string[]; log?: (message: string) => void };

/**
 * Runs the scenarios one after the other (full or short sizes); a scenario that throws counts
 * as one failure with the error as its problem, and the suite goes on.
 *
 * @example
 * const results = await runSuite({ short: true, only: ['duplicates'] });
 */
export const runSuite = async (options: SuiteOptions): Promise<ScenarioResult[]> => {
  const log = options.log ?? (() => undefined);
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    if (options.only && options.only.length > 0 && !options.only.some((o) => s.name.replace(/\s+/g, '-').startsWith(o))) continue;
    const size = options.short ? s.sizes.short : s.sizes.full;
    log(`running ${s.name} (${s.title}), size ${size}`);
    try {
      results.push(await s.run(size, log));
    } catch (e) {
      const f = figures(s.name, String(size));
      f.check(false, `scenario crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      results.push(f.result());
    }
  }
  return results;
};
