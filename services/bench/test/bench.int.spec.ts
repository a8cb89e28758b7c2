import { resolve } from 'node:path';
import { testEnv } from '@cs/testing';
import { describe, expect, it } from 'vitest';
import { benchmarksMarkdown, runBench, smokeSizes, type BenchReport } from '../src/index.ts';

// The smoke run: every figure with tiny sizes, so the bench cannot rot. Timing goals are NOT
// asserted here (a smoke run's figures mean nothing); the full run is `pnpm bench`.
const expectedIds = [
  'raw_nats_rtt',
  'raw_nats_64',
  'raw_pg_seq',
  'raw_pg_32',
  'raw_pg_64',
  'raw_pg_multi100',
  'raw_pg_multi1000',
  'raw_keyset',
  'cmd_rt_p50',
  'cmd_rt_p99',
  'cmd_rt_floor',
  'ref_full_seq',
  'ref_full_b100',
  'cmd_64',
  'append_seq',
  'append_32',
  'append_b100',
  'history_load',
  'rebuild',
  'rss_early',
  'rss_end',
  'heap_live',
  'aggregate_load',
  'analyst_monthly_on_time_by_classification',
  'analyst_complaint_p90_by_category',
  'analyst_scorecard',
  'catch_up',
  'peer_append_seq',
  'peer_append_32',
  'peer_append_b100',
  'peer_catch_up',
];

describe('pnpm bench --smoke', () => {
  let report: BenchReport;

  it('runs every figure with its baseline and reports numeric values', { timeout: 240_000 }, async () => {
    report = await runBench({
      mode: 'smoke',
      sizes: smokeSizes,
      adminUrl: testEnv.adminUrl,
      natsUrl: testEnv.natsUrl,
      repoRoot: resolve(import.meta.dirname, '../../..'),
      skipStart: true,
    });
    const ids = report.rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(expectedIds));
    for (const id of expectedIds) {
      const row = report.rows.find((r) => r.id === id)!;
      expect(Number.isFinite(row.value), `${id} has a numeric value (${String(row.value)} ${row.note ?? ''})`).toBe(true);
      expect(row.value!, id).toBeGreaterThan(0);
      if (!row.baseline.startsWith('raw') && row.baseline !== '—') expect(row.ratio === null || Number.isFinite(row.ratio), id).toBe(true);
    }
    // The rebuild says how it split between the replay and the projection's settle, and the projector's CPU.
    expect(report.rows.find((r) => r.id === 'rebuild')!.figure).toMatch(/\(replay \d+\.\d s, settle \d+\.\d s; projector CPU \d+\.\d s\)$/);
    // The embedded start is skipped in the smoke run; its row says so instead of a number.
    const start = report.rows.find((r) => r.id === 'start')!;
    expect(start.value).toBeNull();
    expect(start.note).toMatch(/skipped/);
    // Rows with a pass/fail goal carry a verdict; the rebuild read the whole small history.
    for (const r of report.rows.filter((x) => /^(>=|<=|<) /.test(x.goal))) expect(typeof r.met, r.id).toBe('boolean');
    const rebuild = report.rows.find((r) => r.id === 'rebuild')!;
    expect(rebuild.figure).toMatch(/rebuild, [\d,]+ events/);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.postgres).toMatch(/PostgreSQL/);
    // The host's CPU shares of the round and the rebuild (Linux: /proc/stat), each a share in [0, 1].
    if (process.platform === 'linux') {
      const shares = [...report.host!.rounds, report.host!.rebuild];
      expect(shares).toHaveLength(smokeSizes.rounds + 1);
      for (const h of shares) for (const x of [h!.busy, h!.iowait, h!.steal]) expect(x >= 0 && x <= 1).toBe(true);
    }
  });

  it('renders the table with date, machine and every figure', () => {
    const md = benchmarksMarkdown(report);
    expect(md).toContain(report.date);
    expect(md).toContain(report.machine.cpu);
    expect(md).toContain('| figure | value | baseline | ratio | goal |');
    for (const r of report.rows) expect(md).toContain(`| ${r.figure} |`);
    const json = JSON.parse(JSON.stringify(report)) as BenchReport;
    expect(json.rows).toHaveLength(report.rows.length);
  });
});
