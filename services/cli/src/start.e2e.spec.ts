import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { schemaOf } from '@cs/projection-runtime';
import { kpiProjection } from '@cs/projection-kpi';
import { Kysely } from 'kysely';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './commands/start.ts';
import { sharedPgliteDialect } from '@cs/read-model';
import { histogram, readReportData, weightedScores, type ReportData } from './report.ts';

const CHROMIUM = '/usr/bin/chromium';
const f4 = (x: number) => x.toFixed(4);

describe('cs start (embedded, end to end)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-start-e2e-'));
  const report = join(dir, 'out', 'report.html');
  let exitCode: number;
  let expected: ReportData;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it) to run this test`);
    }
    // Without NATS_URL / DATABASE_URL: the embedded default, as the README's first command runs it.
    for (const k of ['NATS_URL', 'DATABASE_URL', 'EVENTSTORE_URL']) delete process.env[k];
    exitCode = await run(['--customers', '16', '--days', '12', '--seed', '5', '--data-dir', join(dir, 'data'), '--out', report, '--reset']);
    // The read model as the report's numbers must show it, queried afresh from the persisted data.
    const pglite = await PGlite.create(join(dir, 'data', 'pglite'));
    const db = new Kysely<any>({ dialect: sharedPgliteDialect(pglite) });
    expected = await readReportData(db, { kpiSchema: schemaOf(kpiProjection), title: '', subtitle: '' });
    await db.destroy();
    await pglite.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 with every command answered as the simulator expected, and writes a self-contained report', () => {
    expect(exitCode).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<script/i);
    expect(expected.daily.length).toBeGreaterThan(3);
    expect(expected.handling.hours.length).toBeGreaterThan(0);
    expect(expected.scorecard.length).toBeGreaterThan(0);
  });

  it('renders the charts in headless Chromium with the numbers of the read model', async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) requests.push(r.url());
    });
    await page.goto(`file://${report}`);

    // Daily on-time delivery and damage-free rates: one point per day with deliveries.
    const daily = page.locator('#daily-chart');
    expect((await daily.boundingBox())?.width).toBeGreaterThan(100);
    const points = await page.$$eval('#daily-chart circle.point', (els) =>
      els.map((e) => ({ series: e.getAttribute('data-series'), day: e.getAttribute('data-day'), n: Number(e.getAttribute('data-numerator')), d: Number(e.getAttribute('data-denominator')) })),
    );
    const want = expected.daily.flatMap((d) => [
      ...(d.onTime && d.onTime.denominator > 0 ? [{ series: 'on_time_delivery', day: d.day, n: d.onTime.numerator, d: d.onTime.denominator }] : []),
      ...(d.damageFree && d.damageFree.denominator > 0 ? [{ series: 'damage_free', day: d.day, n: d.damageFree.numerator, d: d.damageFree.denominator }] : []),
    ]);
    expect(points.slice().sort((a, b) => `${a.series}${a.day}`.localeCompare(`${b.series}${b.day}`))).toEqual(
      want.slice().sort((a, b) => `${a.series}${a.day}`.localeCompare(`${b.series}${b.day}`)),
    );
    expect(await page.locator('#daily-chart polyline.line').count()).toBe(2);
    expect((await page.locator('#daily-chart circle.point').first().boundingBox())?.width).toBeGreaterThan(0);

    // Complaint handling time: histogram counts, median and p90 as PostgreSQL's percentile_cont.
    const bins = await page.$$eval('#handling-chart rect.bar', (els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(bins).toEqual(histogram(expected.handling.hours).map((b) => b.count));
    expect(bins.reduce((s, x) => s + x, 0)).toBe(expected.handling.hours.length);
    const handling = page.locator('#handling-chart');
    expect(await handling.getAttribute('data-median')).toBe(f4(expected.handling.median!));
    expect(await handling.getAttribute('data-p90')).toBe(f4(expected.handling.p90!));
    expect(await page.locator('#handling-chart line.marker').count()).toBe(2);

    // Return reasons.
    const reasons = await page.$$eval('#reasons-chart rect.bar', (els) => els.map((e) => ({ reason: e.getAttribute('data-reason'), returns: Number(e.getAttribute('data-count')) })));
    expect(reasons).toEqual(expected.returnReasons);

    // Scorecard: the weighted score per month and column, and every cell's actual and target.
    const scores = await page.$$eval('table.scorecard', (tables) =>
      tables.flatMap((t) =>
        [...t.querySelectorAll('td.weighted-score')].map((td) => ({ period: t.getAttribute('data-period'), column: td.getAttribute('data-column'), score: td.getAttribute('data-score') })),
      ),
    );
    const wantScores = [...weightedScores(expected.scorecard)].flatMap(([period, m]) => [...m].map(([column, score]) => ({ period, column, score: score.toFixed(2) })));
    expect(scores.sort((a, b) => `${a.period}${a.column}`.localeCompare(`${b.period}${b.column}`))).toEqual(
      wantScores.sort((a, b) => `${a.period}${a.column}`.localeCompare(`${b.period}${b.column}`)),
    );
    const cells = await page.$$eval('table.scorecard td[data-indicator]', (els) => els.length);
    expect(cells).toBe(expected.scorecard.length);
    expect(requests).toEqual([]);
    await page.close();
  });
});
