import { describe, expect, it } from 'vitest';
import { markdownReport, passed, textTable, type ScenarioResult } from '../src/index.ts';
import { figures, isCoded, multisetDiff } from '../src/support.ts';

const result = (over: Partial<ScenarioResult> = {}): ScenarioResult => ({
  name: 'x', size: '1', runs: 1, failures: 0, lost: 0, duplicated: 0, wrongReplies: 0, notes: [], problems: [], ms: 1200, ...over,
});

describe('figures and report', () => {
  it('multisetDiff counts missing and extra keys', () => {
    expect(multisetDiff(['a', 'b', 'b'], ['a', 'b', 'c', 'c'])).toEqual({ lost: 1, duplicated: 2 });
    expect(multisetDiff([], [])).toEqual({ lost: 0, duplicated: 0 });
  });
  it('a failed check, a loss, a duplicate or a wrong reply fails the scenario', () => {
    const f = figures('x', '1');
    f.check(true, 'fine');
    f.check(false, 'broken');
    expect(f.result().failures).toBe(1);
    expect(f.result().problems).toEqual(['broken']);
    expect(passed(result())).toBe(true);
    for (const k of ['failures', 'lost', 'duplicated', 'wrongReplies'] as const) expect(passed(result({ [k]: 1 }))).toBe(false);
  });
  it('isCoded accepts ok replies and snake_case codes, not internal', () => {
    expect(isCoded({ ok: false, commandId: 'c', error: { code: 'invalid_state', message: 'm' } })).toBe(true);
    expect(isCoded({ ok: false, commandId: 'c', error: { code: 'internal', message: 'm' } })).toBe(false);
    expect(isCoded({ ok: false, commandId: 'c', error: { code: 'Boom!', message: 'm' } })).toBe(false);
  });
  it('the tables show every figure and the verdict', () => {
    const rows = [result({ name: 'ok one' }), result({ name: 'bad one', lost: 3, problems: ['3 events lost'] })];
    const text = textTable(rows);
    expect(text).toMatch(/ok one .* PASS/);
    expect(text).toMatch(/bad one .* 3 .* FAIL/);
    const md = markdownReport(rows, { short: true, startedAt: new Date(Date.UTC(2026, 0, 5)) });
    expect(md).toContain('| bad one | 1 | 1 | 0 | 3 | 0 | 0 | 1.2 | **FAIL** |');
    expect(md).toContain('2026-01-05T00:00:00.000Z');
    expect(md).toContain('- 3 events lost');
  });
});
