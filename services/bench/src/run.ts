import { cpus, freemem, release, totalmem, type } from 'node:os';
import { createPostgresEventStore, type Position, START } from '@cs/event-store';
import { createSimulation } from '@cs/simulator';
import { connect } from 'nats';
import pg from 'pg';
import { analystFigures } from './analyst.ts';
import { fullShapeReference, keysetReadRate, natsBaseline, postgresBaseline, type BaselineSizes } from './baselines.ts';
import { createBenchDatabase } from './database.ts';
import { type EmmettAppends, type EmmettCatchUp, openEmmett } from './emmett.ts';
import { loadHistory } from './history.ts';
import { aggregateLoad, appendFigures, commandRoundTrip, commitFloorRoundTrip } from './ours.ts';
import { percentile, type Latency } from './measure.ts';
import { rebuildKpi } from './rebuild.ts';
import { type BenchReport, type BenchRow, type MachineInfo, roundsMet } from './report.ts';
import { type HostShare, hostShare, readCpuTicks } from './host.ts';
import { profiledCauses } from './causes.ts';
import { startFigure } from './start.ts';

/** Every size the bench uses; `smokeSizes` and `fullSizes` are the two presets. */
export type BenchSizes = BaselineSizes & {
  /**
   * Interleaved rounds of the raw baselines and our matching figures (raw NATS, raw
   * PostgreSQL, the round trip and commands at 64 in flight, appends): each ratio is the
   * median round's, with both of its values from that round.
   */
  rounds: number;
  appendSequential: number;
  appendInFlight: number;
  appendBatches: number;
  roundTripSequential: number;
  roundTripInFlight: number;
  historyEvents: number;
  rssAtEvents: number;
  shortHistory: number;
  longHistory: number;
  loads: number;
  analystRuns: number;
  emmettSequential: number;
  emmettInFlight: number;
  emmettBatches: number;
  simulatedCustomers: number;
  simulatedDays: number;
};

/** Tiny sizes: the smoke run in the test suite (seconds), so the bench cannot rot. */
export const smokeSizes: BenchSizes = {
  natsSequential: 100,
  natsInFlight: 500,
  pgSequential: 50,
  pgConcurrent: 200,
  multiRowStatements: 2,
  warmup: 20,
  rounds: 1,
  appendSequential: 30,
  appendInFlight: 100,
  appendBatches: 2,
  roundTripSequential: 20,
  roundTripInFlight: 100,
  historyEvents: 3000,
  rssAtEvents: 1000,
  shortHistory: 10,
  longHistory: 200,
  loads: 5,
  analystRuns: 3,
  emmettSequential: 20,
  emmettInFlight: 60,
  emmettBatches: 2,
  simulatedCustomers: 30,
  simulatedDays: 30,
};

/** The full run: about 6-8 minutes on a two-core machine (the 1,000,000-event history and the five rounds are most of it). */
export const fullSizes: BenchSizes = {
  natsSequential: 5000,
  natsInFlight: 20_000,
  pgSequential: 2000,
  pgConcurrent: 5000,
  multiRowStatements: 30,
  warmup: 1000,
  rounds: 5,
  appendSequential: 2000,
  appendInFlight: 3000,
  appendBatches: 100,
  roundTripSequential: 1500,
  roundTripInFlight: 3000,
  historyEvents: 1_000_000,
  rssAtEvents: 100_000,
  shortHistory: 100,
  longHistory: 10_000,
  loads: 200,
  analystRuns: 30,
  emmettSequential: 2000,
  emmettInFlight: 3000,
  emmettBatches: 100,
  simulatedCustomers: 2500,
  simulatedDays: 400,
};

/** The events one round's appends write (`appendFigures`, Emmett's `appends`): the warm-up and sequential ones, those in flight, and the batches of 100 with their two untimed ones. */
const appendedPerRound = (sizes: { sequential: number; inFlight: number; batches: number; warmup: number }): number =>
  sizes.sequential + sizes.warmup + sizes.inFlight + (sizes.batches + 2) * 100;

/**
 * The finding of a missed goal: the figure, its value and ratio, the goal, how many rounds met
 * it, and the profiled cause (services/bench/src/causes.ts) or a request to profile it.
 *
 * @example
 * for (const r of report.rows) if (r.met === false) findings.push(missedGoalFinding(r));
 */
export const missedGoalFinding = (r: BenchRow): string => {
  const cause = profiledCauses[r.id];
  return `Goal missed: ${r.figure} = ${r.value?.toFixed(2)} ${r.unit}${r.ratio === null ? '' : ` (${r.ratio.toFixed(2)}x)`}, goal ${r.goal}${r.rounds ? ` (met in ${r.rounds.met} of ${r.rounds.of} rounds)` : ''}.${cause ? ` ${cause}` : ' Cause not profiled yet: profile it (EXPLAIN ANALYZE for queries, BENCH_CPU_PROF_DIR for the projector).'}`;
};

/**
 * The report with its missed-goal findings written again from the rows and today's causes
 * (services/bench/src/causes.ts); the other findings, and every figure, as they were. For a
 * report whose causes were edited while it ran.
 *
 * @example
 * const fresh = withCurrentCauses(JSON.parse(readFileSync('docs/benchmarks.json', 'utf8')));
 */
export const withCurrentCauses = (report: BenchReport): BenchReport => ({
  ...report,
  findings: [...report.findings.filter((f) => !f.startsWith('Goal missed: ')), ...report.rows.filter((r) => r.met === false).map(missedGoalFinding)],
});

/** One interleaved round: the raw baselines and our matching figures, measured one after another. */
type Round = {
  nats: Awaited<ReturnType<typeof natsBaseline>>;
  raw: Awaited<ReturnType<typeof postgresBaseline>>;
  rt: Awaited<ReturnType<typeof commandRoundTrip>>;
  /** The same round trip with a raw insert + commit as the handler (the floor of a command that commits once). */
  floor: Latency;
  /** The raw inserts again into a table of the events table's full shape (a reference for the append rows). */
  full: Awaited<ReturnType<typeof fullShapeReference>>;
  appends: Awaited<ReturnType<typeof appendFigures>>;
  /** Emmett's appends in this round, right after ours (absent when Emmett could not run). */
  peer?: EmmettAppends;
};

export type BenchOptions = {
  mode: 'full' | 'smoke';
  sizes: BenchSizes;
  adminUrl: string;
  natsUrl: string;
  repoRoot: string;
  /** Write a V8 CPU profile of the projector child there. */
  cpuProfDir?: string | undefined;
  /** Skip the embedded-start figure (the smoke test does: it needs the whole CLI). */
  skipStart?: boolean;
  log?: (line: string) => void;
};

const machineInfo = async (url: string, natsUrl: string): Promise<MachineInfo> => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const version = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? 'unknown';
  await c.end();
  const nc = await connect({ servers: natsUrl });
  const natsVersion = nc.info?.version ?? 'unknown';
  await nc.close();
  void freemem;
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    postgres: version.split(',')[0] ?? version,
    nats: natsVersion,
    os: `${type()} ${release()}`,
  };
};

/**
 * Runs every figure with its raw baseline in one run, on a dedicated database (created and
 * dropped here), and returns the report (rows, machine, findings). Never asserts goals: missed
 * goals are rows with `met: false` and a finding.
 *
 * @example
 * const report = await runBench({ mode: 'smoke', sizes: smokeSizes, adminUrl, natsUrl, repoRoot });
 */
export const runBench = async (o: BenchOptions): Promise<BenchReport> => {
  const log = o.log ?? (() => undefined);
  const s = o.sizes;
  const began = performance.now();
  const db = await createBenchDatabase(o.adminUrl);
  const rows: BenchRow[] = [];
  const findings: string[] = [];
  let closePeer: (() => Promise<void>) | undefined;
  try {
    const machine = await machineInfo(db.url, o.natsUrl);
    log(`database ${db.name}; ${machine.cpu}, ${machine.cores} cores`);

    // Raw baselines and our matching figures in interleaved rounds: machines drift within a run
    // (other tenants, the disk), and a ratio is taken within one round.
    const appendStore = await createPostgresEventStore({ connectionString: db.url, schema: 'append_store', max: 32 });
    // The peer's appends run in the same rounds, right after ours: its ratio is taken within a round too.
    const emmett = await openEmmett(db.url);
    if (emmett.ok) closePeer = emmett.close;
    let peerError = emmett.ok ? undefined : emmett.error;
    const ourSizes = { sequential: s.appendSequential, inFlight: s.appendInFlight, batches: s.appendBatches, warmup: s.warmup };
    const peerSizes = { sequential: s.emmettSequential, inFlight: s.emmettInFlight, batches: s.emmettBatches, warmup: s.warmup };
    const rounds: Round[] = [];
    const roundLoads: (HostShare | null)[] = [];
    for (let r = 1; r <= Math.max(1, s.rounds); r++) {
      const ticks = readCpuTicks();
      log(`round ${r} of ${s.rounds}: raw NATS request/reply, raw PostgreSQL inserts, command round trip over NATS, event-store appends, Emmett's appends`);
      const nats = await natsBaseline(o.natsUrl, s);
      const raw = await postgresBaseline(db.url, s);
      const rt = await commandRoundTrip(db.url, o.natsUrl, { sequential: s.roundTripSequential, inFlight: s.roundTripInFlight, warmup: s.warmup, tag: `r${r}` });
      const floor = await commitFloorRoundTrip(db.url, o.natsUrl, { sequential: s.roundTripSequential, warmup: s.warmup, tag: `r${r}` });
      if (rt.failures > 0) findings.push(`${rt.failures} order.place commands were refused during the round-trip figures of round ${r}: see the command handler's log.`);
      const appends = await appendFigures(appendStore, ourSizes, `a${r}`);
      const full = await fullShapeReference(db.url, 'append_store', { ...s, batches: s.appendBatches });
      let peer: EmmettAppends | undefined;
      if (emmett.ok && peerError === undefined) {
        try {
          peer = await emmett.appends(peerSizes, `r${r}`);
        } catch (e) {
          peerError = `Emmett failed in round ${r}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      rounds.push({ nats, raw, rt, floor, full, appends, ...(peer ? { peer } : {}) });
      roundLoads.push(hostShare(ticks, readCpuTicks()) ?? null);
    }
    /** The round whose ratio is the median, and every round's ratio in order. */
    const pick = (ratio: (r: Round) => number): { round: Round; ratios: number[] } => {
      const ratios = rounds.map(ratio);
      const order = ratios.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
      return { round: rounds[order[Math.floor((order.length - 1) / 2)]![1]]!, ratios };
    };
    /** A raw figure over the rounds: its median (nearest rank, the same round position as `pick`). */
    const med = (f: (r: Round) => number): number => percentile(rounds.map(f), 0.5);
    /** A goal row's verdict: the median round's ratio against the goal, and the rounds' agreement with it (none for a single round). */
    const judged = (ratio: number, ratios: number[], meets: (ratio: number) => boolean): { met: boolean; rounds?: { met: number; of: number } } => {
      const agreement = roundsMet(ratios, meets);
      return agreement ? { met: meets(ratio), rounds: agreement } : { met: meets(ratio) };
    };
    const ofRounds = (ratios: number[]): string => (ratios.length < 2 ? '' : ` (median of ${ratios.length} rounds: ${ratios.map((x) => `${x.toFixed(2)}x`).join(', ')})`);
    const rtPick = pick((r) => r.rt.sequential.p50 / (r.nats.rtt.p50 + r.raw.pgInsertSequential.p50));
    const c64Pick = pick((r) => r.rt.inFlight64.perSecond / r.raw.pgInsert64.perSecond);
    const seqPick = pick((r) => r.appends.sequential.perSecond / r.raw.pgInsertSequential.perSecond);
    const c32Pick = pick((r) => r.appends.inFlight32.perSecond / r.raw.pgInsert32.perSecond);
    const b100Pick = pick((r) => r.appends.batch100.perSecond / r.raw.pgMultiRow100.perSecond);
    // Our catch-up over every event the rounds appended (Emmett's consumer reads all of its own): subscribe from START, no-op handler.
    const appended = rounds.length * appendedPerRound(ourSizes);
    // Every delivered position is kept and checked after the timing: each event once, in order.
    // A catch-up that stalls short of them fails the run rather than waiting for ever.
    const catchUp = await new Promise<{ events: number; perSecond: number }>((resolve, reject) => {
      const seen: Position[] = [];
      const started = performance.now();
      let watchdog: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => void sub.stop().then(() => reject(new Error(`our catch-up stalled at ${seen.length} of ${appended} events`))), 30_000);
      };
      const sub = appendStore.subscribe({
        from: START,
        batchSize: 500,
        onEvent: (e) => {
          seen.push(e.position);
          if (seen.length % 500 === 0) arm();
          if (seen.length === appended) {
            const ms = performance.now() - started;
            clearTimeout(watchdog);
            void sub.stop().then(() => {
              const outOfOrder = seen.findIndex((p, i) => i > 0 && !(p > seen[i - 1]!));
              if (outOfOrder >= 0) reject(new Error(`our catch-up delivered position ${seen[outOfOrder]} after ${seen[outOfOrder - 1]}`));
              else resolve({ events: seen.length, perSecond: (seen.length * 1000) / ms });
            });
          }
        },
      });
      arm();
      sub.done.catch(reject);
    });
    await appendStore.close();

    log('aggregate load');
    const store = await createPostgresEventStore({ connectionString: db.url, schema: 'event_store', max: 10 });
    const agg = await aggregateLoad(store, { short: s.shortHistory, long: s.longHistory, loads: s.loads });

    log(`history: ${s.historyEvents} events of the simulator's mix by batched appends`);
    const sim = createSimulation({ customers: s.simulatedCustomers, days: s.simulatedDays, seed: 20260105 });
    let nextLog = 100_000;
    const history = await loadHistory(store, sim.commands, s.historyEvents, {
      onProgress: (n) => {
        if (n >= nextLog) {
          log(`  ${n} events`);
          nextLog += 100_000;
        }
      },
    });
    await store.close();
    const totalEvents = history.events + s.shortHistory + s.longHistory;
    if (history.events < s.historyEvents) findings.push(`The simulation ended after ${history.events} events, short of ${s.historyEvents}: raise simulatedCustomers/simulatedDays.`);

    log('raw keyset read of the events table');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('VACUUM ANALYZE event_store.events');
    await c.end();
    const keysetBefore = await keysetReadRate(db.url, 'event_store.events', 'global_seq', 1000);

    log(`rebuild of the KPI projection over ${totalEvents} events`);
    const rebuildTicks = readCpuTicks();
    const rebuild = await rebuildKpi({ url: db.url, schema: 'event_store', rssAt: [s.rssAtEvents], batchSize: 500, cpuProfDir: o.cpuProfDir });
    const rebuildLoad = hostShare(rebuildTicks, readCpuTicks()) ?? null;
    // The keyset read again after the rebuild. The read is I/O-bound and the page cache differs
    // between the two (a cold read after the load, a warm one after the rebuild): the floor is
    // the faster of them, so a slow cold read cannot make a rebuild look faster than it is.
    log('raw keyset read of the events table, again');
    const keysetAfter = await keysetReadRate(db.url, 'event_store.events', 'global_seq', 1000);
    const keyset = { rows: keysetBefore.rows, perSecond: Math.max(keysetBefore.perSecond, keysetAfter.perSecond) };
    const keysetBoth = `before ${Math.round(keysetBefore.perSecond).toLocaleString('en-US')}, after ${Math.round(keysetAfter.perSecond).toLocaleString('en-US')} rows/s`;

    log('analyst queries');
    const analyst = await analystFigures(db.url, s.analystRuns);

    log("Emmett's catch-up");
    let peerCatchUp: EmmettCatchUp = { error: 'not measured' };
    if (emmett.ok) {
      if (peerError === undefined) {
        try {
          peerCatchUp = await emmett.catchUp(rounds.length * appendedPerRound(peerSizes));
        } catch (e) {
          peerCatchUp = { error: `Emmett's consumer failed: ${e instanceof Error ? e.message : String(e)}` };
        }
      }
      await emmett.close();
      closePeer = undefined;
    }
    if (peerError !== undefined) findings.push(`Emmett peer not measured: ${peerError}`);
    else if (peerCatchUp.error) findings.push(`Emmett's catch-up${peerCatchUp.catchUp ? '' : ' not measured'}: ${peerCatchUp.error}.`);

    log('embedded start');
    const start = o.skipStart ? ({ ok: false, error: 'skipped in this mode' } as const) : await startFigure(o.repoRoot, 300_000);

    // ---- the table ----
    const row = (r: Omit<BenchRow, 'ratio' | 'met'> & { ratio?: number | null; met?: boolean | null }) => rows.push({ ratio: null, met: null, ...r });
    // The raw rows: the median of the rounds (each ratio below pairs values of one round).
    const rawOf = rounds.length > 1 ? ` (median of ${rounds.length} rounds)` : '';
    row({ id: 'raw_nats_rtt', figure: `raw NATS request/reply, sequential p50 / p99${rawOf}`, value: med((r) => r.nats.rtt.p50), unit: `ms (p99 ${med((r) => r.nats.rtt.p99).toFixed(2)} ms)`, baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_nats_64', figure: `raw NATS request/reply, 64 in flight${rawOf}`, value: med((r) => r.nats.throughput.perSecond), unit: 'req/s', baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_pg_seq', figure: `raw PG single-row insert + commit, sequential p50${rawOf}`, value: med((r) => r.raw.pgInsertSequential.p50), unit: `ms (${Math.round(med((r) => r.raw.pgInsertSequential.perSecond))}/s)`, baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_pg_32', figure: `raw PG single-row insert + commit, 32 connections${rawOf}`, value: med((r) => r.raw.pgInsert32.perSecond), unit: 'rows/s', baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_pg_64', figure: `raw PG single-row insert + commit, 64 connections${rawOf}`, value: med((r) => r.raw.pgInsert64.perSecond), unit: 'rows/s', baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_pg_multi100', figure: `raw PG multi-row insert, 100 rows per statement${rawOf}`, value: med((r) => r.raw.pgMultiRow100.perSecond), unit: 'rows/s', baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_pg_multi1000', figure: `raw PG multi-row insert, 1,000 rows per statement${rawOf}`, value: med((r) => r.raw.pgMultiRow1000.perSecond), unit: 'rows/s', baseline: 'raw', baselineValue: null, goal: 'baseline' });
    row({ id: 'raw_keyset', figure: `raw PG keyset read of the events table (${keyset.rows.toLocaleString('en-US')} rows; the faster of the reads before and after the rebuild: ${keysetBoth})`, value: keyset.perSecond, unit: 'rows/s', baseline: 'raw', baselineValue: null, goal: 'baseline' });

    {
      const { nats, raw, rt, floor } = rtPick.round;
      const rtBase = nats.rtt.p50 + raw.pgInsertSequential.p50;
      const rtRatio = rt.sequential.p50 / rtBase;
      row({ id: 'cmd_rt_p50', figure: 'command round trip over NATS (order.place, sequential) p50', value: rt.sequential.p50, unit: 'ms', baseline: `raw NATS RTT p50 + raw PG commit p50${ofRounds(rtPick.ratios)}`, baselineValue: rtBase, ratio: rtRatio, goal: '<= 1.5x', ...judged(rtRatio, rtPick.ratios, (x) => x <= 1.5) });
      const floorRatios = rounds.map((r) => r.floor.p50 / (r.nats.rtt.p50 + r.raw.pgInsertSequential.p50));
      row({
        id: 'cmd_rt_floor',
        figure: `reference: the same round trip with a raw insert + commit as the handler (the floor of a command that commits once), p50; ours / floor ${(rt.sequential.p50 / floor.p50).toFixed(2)}x`,
        value: floor.p50,
        unit: 'ms',
        baseline: `raw NATS RTT p50 + raw PG commit p50, the p50 row's round${ofRounds(floorRatios)}`,
        baselineValue: rtBase,
        ratio: floor.p50 / rtBase,
        goal: 'reported',
      });
      const rtBase99 = nats.rtt.p99 + raw.pgInsertSequential.p99;
      row({ id: 'cmd_rt_p99', figure: 'command round trip over NATS (order.place, sequential) p99', value: rt.sequential.p99, unit: 'ms', baseline: 'raw NATS RTT p99 + raw PG commit p99 (the p50 row\'s round)', baselineValue: rtBase99, ratio: rt.sequential.p99 / rtBase99, goal: 'reported' });
    }
    {
      const { raw, rt } = c64Pick.round;
      const cmdRatio = rt.inFlight64.perSecond / raw.pgInsert64.perSecond;
      row({ id: 'cmd_64', figure: 'commands per second, 64 in flight over distinct streams', value: rt.inFlight64.perSecond, unit: 'cmd/s', baseline: `raw PG insert, 64 connections${ofRounds(c64Pick.ratios)}`, baselineValue: raw.pgInsert64.perSecond, ratio: cmdRatio, goal: '>= 0.5x', ...judged(cmdRatio, c64Pick.ratios, (x) => x >= 0.5) });
    }
    const ap = (id: string, figure: string, value: number, base: string, baseValue: number, ratios: number[]) => {
      const ratio = value / baseValue;
      row({ id, figure, value, unit: 'events/s', baseline: `${base}${ofRounds(ratios)}`, baselineValue: baseValue, ratio, goal: '>= 0.8x', ...judged(ratio, ratios, (x) => x >= 0.8) });
    };
    ap('append_seq', 'event-store append, single event, sequential', seqPick.round.appends.sequential.perSecond, 'raw PG insert + commit, sequential', seqPick.round.raw.pgInsertSequential.perSecond, seqPick.ratios);
    ap('append_32', 'event-store append, single event, 32 in flight', c32Pick.round.appends.inFlight32.perSecond, 'raw PG insert + commit, 32 connections', c32Pick.round.raw.pgInsert32.perSecond, c32Pick.ratios);
    ap('append_b100', 'event-store append, 100-event batches', b100Pick.round.appends.batch100.perSecond, 'raw PG multi-row insert, 100 rows', b100Pick.round.raw.pgMultiRow100.perSecond, b100Pick.ratios);
    /** A full-shape reference row, from the round of the append row it explains. */
    const full = (id: string, what: string, ours: number, fullShape: number, base: string, baseValue: number) =>
      row({
        id,
        figure: `reference: raw insert + commit of the events our append stores, into a table of the events table's full shape (LIKE it: every column and index), ${what}; ours / this ${(ours / fullShape).toFixed(2)}x`,
        value: fullShape,
        unit: 'events/s',
        baseline: `${base}, the append row's round`,
        baselineValue: baseValue,
        ratio: fullShape / baseValue,
        goal: 'reported',
      });
    full('ref_full_seq', 'single event, sequential', seqPick.round.appends.sequential.perSecond, seqPick.round.full.sequential.perSecond, 'raw PG insert + commit, sequential', seqPick.round.raw.pgInsertSequential.perSecond);
    full('ref_full_b100', '100 events per statement', b100Pick.round.appends.batch100.perSecond, b100Pick.round.full.batch100.perSecond, 'raw PG multi-row insert, 100 rows', b100Pick.round.raw.pgMultiRow100.perSecond);
    const loadRate = (history.events * 1000) / history.totalMs;
    row({
      id: 'history_load',
      figure: `history load: ${history.events.toLocaleString('en-US')} events (${history.commands.toLocaleString('en-US')} commands) by batched append, in ${(history.totalMs / 1000).toFixed(1)} s (appends ${(history.appendMs / 1000).toFixed(1)} s)`,
      value: loadRate,
      unit: 'events/s',
      baseline: 'raw PG multi-row insert, 1,000 rows',
      baselineValue: med((r) => r.raw.pgMultiRow1000.perSecond),
      ratio: loadRate / med((r) => r.raw.pgMultiRow1000.perSecond),
      goal: 'reported (load time)',
    });
    const rebuildRate = (rebuild.events * 1000) / rebuild.ms;
    const rebuildRatio = rebuildRate / keyset.perSecond;
    row({
      id: 'rebuild',
      figure: `KPI projection rebuild, ${rebuild.events.toLocaleString('en-US')} events, in ${(rebuild.ms / 1000).toFixed(1)} s (replay ${((rebuild.ms - rebuild.settleMs) / 1000).toFixed(1)} s, settle ${(rebuild.settleMs / 1000).toFixed(1)} s; projector CPU ${(rebuild.cpuMs / 1000).toFixed(1)} s)`,
      value: rebuildRate,
      unit: 'events/s',
      // The read moves from run to run (and between the cold read before the rebuild and the
      // warm one after): the goal's ratio is to the faster one, the ratio to each is given beside it.
      baseline: `raw PG keyset read of the events table (the faster; against the read before alone ${(rebuildRate / keysetBefore.perSecond).toFixed(2)}x, after alone ${(rebuildRate / keysetAfter.perSecond).toFixed(2)}x)`,
      baselineValue: keyset.perSecond,
      ratio: rebuildRatio,
      goal: '>= 0.5x',
      met: rebuildRatio >= 0.5,
    });
    // Flatness: the RSS peak of the last window of as many events as the first window (to the
    // end, the settle included) against the peak of the first; peaks, because the heap
    // saw-tooths with V8's collections and a point sample lands anywhere on it.
    const readEnough = rebuild.events >= s.rssAtEvents;
    const window = s.rssAtEvents.toLocaleString('en-US');
    const at = rebuild.rss[0]?.rssMb;
    row({
      id: 'rss_early',
      figure: `projector RSS over the first ${window} events, peak${at === undefined ? '' : ` (at ${window}: ${at} MB)`}`,
      value: readEnough ? rebuild.earlyPeakMb : null,
      unit: 'MB',
      baseline: '—',
      baselineValue: null,
      goal: '< 300 MB',
      met: readEnough ? rebuild.earlyPeakMb < 300 : null,
      ...(readEnough ? {} : { note: 'the rebuild read fewer events' }),
    });
    row({
      id: 'rss_end',
      figure: `projector RSS over the last ${window} of ${rebuild.events.toLocaleString('en-US')} events and the settle, peak (at the end ${rebuild.finalRssMb} MB; max of the run ${rebuild.maxRssMb} MB, ${rebuild.samples} samples)`,
      value: rebuild.latePeakMb,
      unit: 'MB',
      baseline: `peak over the first ${window} events`,
      baselineValue: readEnough ? rebuild.earlyPeakMb : null,
      ratio: readEnough ? rebuild.latePeakMb / rebuild.earlyPeakMb : null,
      goal: '< 300 MB and flat (<= 1.25x)',
      met: rebuild.maxRssMb < 300 && (!readEnough || rebuild.latePeakMb <= rebuild.earlyPeakMb * 1.25),
    });
    const [heapEarly, heapEnd] = rebuild.liveHeap.length >= 2 ? rebuild.liveHeap : [undefined, undefined];
    row({
      id: 'heap_live',
      figure: `projector live heap after a full collection, at the end${heapEnd ? ` (${heapEnd.events.toLocaleString('en-US')} events)` : ''}`,
      value: heapEnd?.heapMb ?? null,
      unit: 'MB',
      baseline: `at ${(heapEarly?.events ?? s.rssAtEvents).toLocaleString('en-US')} events`,
      baselineValue: heapEarly?.heapMb ?? null,
      ratio: heapEarly?.heapMb && heapEnd?.heapMb ? heapEnd.heapMb / heapEarly.heapMb : null,
      goal: 'reported (what the projector keeps)',
      ...(heapEnd?.heapMb == null ? { note: 'not measured (the rebuild read fewer events, or no --expose-gc)' } : {}),
    });
    const loadRatio = agg.long.p50 / agg.short.p50;
    row({ id: 'aggregate_load', figure: `load a customer account with ${s.longHistory.toLocaleString('en-US')} events, p50`, value: agg.long.p50, unit: 'ms', baseline: `with ${s.shortHistory} events, p50`, baselineValue: agg.short.p50, ratio: loadRatio, goal: '<= 2x', met: loadRatio <= 2 });
    for (const q of analyst) {
      const id = `analyst_${q.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
      if (q.latency === null) row({ id, figure: `analyst query: ${q.name}, p99`, value: null, unit: 'ms', baseline: '—', baselineValue: null, goal: '< 50 ms', note: q.error ?? 'failed' });
      else row({ id, figure: `analyst query: ${q.name} (${q.rows} rows), p99`, value: q.latency.p99, unit: `ms (p50 ${q.latency.p50.toFixed(1)} ms)`, baseline: '—', baselineValue: null, goal: '< 50 ms', met: q.latency.p99 < 50 });
    }
    row({
      id: 'start',
      figure: 'embedded start, time to first report',
      value: start.ok ? start.ms : null,
      unit: 'ms',
      baseline: '—',
      baselineValue: null,
      goal: 'reported',
      ...(start.ok ? {} : { note: start.error }),
    });
    row({ id: 'catch_up', figure: `catch-up: store.subscribe from START, no-op handler (${catchUp.events.toLocaleString('en-US')} events, each once and in order: checked)`, value: catchUp.perSecond, unit: 'events/s', baseline: 'raw PG keyset read', baselineValue: keyset.perSecond, ratio: catchUp.perSecond / keyset.perSecond, goal: 'reported' });
    /** A peer row: ours / Emmett from the round whose ratio is the median (both sides and the raw figure from that round). */
    const peerRow = (id: string, figure: string, ours: (r: Round) => number, theirs: (p: EmmettAppends) => number, rawOf: (r: Round) => number) => {
      // Without an error, every round has the peer's appends.
      if (peerError !== undefined) {
        return row({ id, figure: `peer: ${figure}, ours / Emmett`, value: null, unit: 'x', baseline: 'Emmett not measured', baselineValue: null, ratio: null, goal: 'reported (> 1 is ahead)', note: peerError });
      }
      const { round, ratios } = pick((r) => ours(r) / theirs(r.peer!));
      const o = ours(round);
      const t = theirs(round.peer!);
      const rawValue = rawOf(round);
      return row({
        id,
        figure: `peer: ${figure}, ours / Emmett`,
        value: o / t,
        unit: 'x',
        baseline: `Emmett ${Math.round(t).toLocaleString('en-US')} events/s (${(t / rawValue).toFixed(2)}x raw); ours ${Math.round(o).toLocaleString('en-US')} (${(o / rawValue).toFixed(2)}x raw), the same round${ofRounds(ratios)}; Emmett`,
        baselineValue: t,
        ratio: o / t,
        goal: 'reported (> 1 is ahead)',
      });
    };
    peerRow('peer_append_seq', 'single-event appends, sequential', (r) => r.appends.sequential.perSecond, (p) => p.sequential.perSecond, (r) => r.raw.pgInsertSequential.perSecond);
    peerRow('peer_append_32', 'single-event appends, 32 in flight', (r) => r.appends.inFlight32.perSecond, (p) => p.inFlight32.perSecond, (r) => r.raw.pgInsert32.perSecond);
    peerRow('peer_append_b100', '100-event batches', (r) => r.appends.batch100.perSecond, (p) => p.batch100.perSecond, (r) => r.raw.pgMultiRow100.perSecond);
    const theirCatchUp = peerError === undefined ? peerCatchUp.catchUp : undefined;
    row({
      id: 'peer_catch_up',
      figure: 'peer: catch-up from the beginning, ours / Emmett',
      value: theirCatchUp ? catchUp.perSecond / theirCatchUp.perSecond : null,
      unit: 'x',
      baseline: theirCatchUp
        ? `Emmett ${Math.round(theirCatchUp.perSecond).toLocaleString('en-US')} events/s (${(theirCatchUp.perSecond / keyset.perSecond).toFixed(2)}x raw${theirCatchUp.skipped || theirCatchUp.twice ? `; it skipped ${theirCatchUp.skipped ?? 0} and delivered ${theirCatchUp.twice ?? 0} twice: see the findings` : ''}); ours ${Math.round(catchUp.perSecond).toLocaleString('en-US')} (${(catchUp.perSecond / keyset.perSecond).toFixed(2)}x raw); Emmett`
        : 'Emmett not measured',
      baselineValue: theirCatchUp?.perSecond ?? null,
      ratio: theirCatchUp ? catchUp.perSecond / theirCatchUp.perSecond : null,
      goal: 'reported (> 1 is ahead)',
      ...(theirCatchUp ? {} : { note: peerError ?? peerCatchUp.error ?? 'not measured' }),
    });

    for (const r of rows) if (r.met === false) findings.push(missedGoalFinding(r));
    return {
      date: new Date().toISOString(),
      mode: o.mode,
      machine,
      sizes: { ...s },
      rows,
      findings,
      durationSeconds: (performance.now() - began) / 1000,
      ...(roundLoads.some((x) => x !== null) || rebuildLoad ? { host: { rounds: roundLoads, rebuild: rebuildLoad } } : {}),
    };
  } finally {
    // Emmett's pool, if a figure failed before its catch-up closed it.
    await closePeer?.();
    await db.drop();
  }
};
