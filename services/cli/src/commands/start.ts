// `cs start`: the whole system in one process on the embedded default (PGlite), fed by the
// traffic simulator through the real write path, projected by the real projector; then the
// scorecard and an HTML report.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCommandHandler, crossAggregateProcesses, inProcessCommandBus, requestFromEnvelope, type CommandBus } from '@cs/application';
import { anchorKeyFromEnv, anchorStreamHead, fileAnchors } from '@cs/audit';
import { aggregates } from '@cs/domain';
import { createEventStoreDbEventStore, createPgliteEventStore, createPostgresEventStore, DataDirInUseError, lockPgliteDataDir, openPgliteDataDir, type DataDirLock, type EventStore } from '@cs/event-store';
import { connectNats, natsCommandBus, natsConnectionOptionsFromEnv, startCommandService, type CatalogueEntry } from '@cs/messaging';
import { createProjectionRuntime, listStatus, schemaOf } from '@cs/projection-runtime';
import { kpiProjection } from '@cs/projection-kpi';
import { createReadModelDatabase, sharedPgliteDialect } from '@cs/read-model';
import { createSimulation, simulationWindow, DAY, type SimCommand } from '@cs/simulator';
import { Kysely } from 'kysely';
import { destination, pino } from 'pino';
import type { z } from 'zod';
import { readCliEnv, type CliEnv } from '../env.ts';
import { readReportData, renderReportHtml, scorecardText, segmentsText } from '../report.ts';

export const startUsage = `cs start [options]

Runs the whole system in this process: a traffic simulator sends realistic commands through the
command handler (in-process, or over NATS when NATS_URL is set), the projector builds the KPI read
models, then the scorecard is printed and an HTML report written.

Options:
  --customers <n>     customers to simulate (default 30)
  --days <n>          days to simulate (default 21)
  --seed <n>          seed of the simulation (default 42): the same seed sends the same commands
  --data-dir <dir>    where the embedded database and the run state live
                      (default $CS_DATA_DIR, else .data in the repository)
  --reset             start over: delete the embedded database and the run state first
  --out <file>        the HTML report (default <data-dir>/report.html)
  --concurrency <n>   commands in flight (default 4; commands of one customer stay in order)
  -h, --help          this text

A second run without --reset continues: it simulates the next period (the days after the last
run) with new customers and new command ids, so the data grows. A run that was interrupted is
sent again as it was (its commands are idempotent: the ones already handled are answered from
their kept outcome).

Environment (production mode, see README): DATABASE_URL (PostgreSQL for events and read models),
EVENTSTORE_URL (EventStoreDB for events), NATS_URL (commands over NATS).`;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

type RunRecord = { runIndex: number; seed: number; customers: number; days: number; startDate: string; status: 'sending' | 'sent' };
type RunState = { runs: RunRecord[] };

const STATE_FILE = 'simulation-runs.json';

const readState = (dataDir: string): RunState => {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return { runs: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as RunState;
  if (!Array.isArray(parsed.runs)) throw new Error(`${file} is not a run state file; use --reset`);
  return parsed;
};
const writeState = (dataDir: string, state: RunState) => writeFileSync(join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);

const int = (name: string, value: string | undefined, fallback: number, min: number, max: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, got '${value}'`);
  return n;
};

class UsageError extends Error {}

/** Decides which run this is: the next period, or the interrupted run again. */
export const planRun = (state: RunState, requested: { seed: number; customers: number; days: number }, defaultStart: string): RunRecord => {
  const last = state.runs.at(-1);
  if (!last) return { runIndex: 0, ...requested, startDate: defaultStart, status: 'sending' };
  if (last.status === 'sending') return last;
  const next = new Date(Date.parse(`${last.startDate}T00:00:00Z`) + last.days * DAY).toISOString().slice(0, 10);
  return { runIndex: last.runIndex + 1, ...requested, startDate: next, status: 'sending' };
};

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise. */
const progressBar = (label: string, total: number) => {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastDraw = 0;
  let lastDecile = -1;
  const draw = (done: number, extra = '') => {
    const share = total === 0 ? 1 : done / total;
    if (tty) {
      const now = Date.now();
      if (done < total && now - lastDraw < 80) return;
      lastDraw = now;
      const width = 30;
      const full = Math.round(share * width);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      process.stderr.write(`\r${label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${total} ${Math.round(rate)}/s ${extra}\x1b[K`);
      if (done >= total) process.stderr.write('\n');
    } else {
      const decile = Math.floor(share * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      process.stderr.write(`${label}: ${Math.floor(share * 100)}% (${done}/${total}) ${extra}\n`);
    }
  };
  return { draw };
};

type Infra = {
  mode: string;
  store: EventStore;
  readModel: Kysely<any>;
  close: () => Promise<void>;
};

const openInfra = async (env: CliEnv, dataDir: string, lock: DataDirLock): Promise<Infra> => {
  if (env.EVENTSTORE_URL && !env.DATABASE_URL) {
    throw new UsageError('EVENTSTORE_URL needs DATABASE_URL too: the read models live in PostgreSQL');
  }
  if (env.DATABASE_URL) {
    const url = env.DATABASE_URL;
    let store: EventStore;
    if (env.EVENTSTORE_URL) {
      store = createEventStoreDbEventStore({ connectionString: env.EVENTSTORE_URL });
    } else {
      store = await createPostgresEventStore({ connectionString: url, schema: 'event_store', max: 10 });
    }
    const readModel = createReadModelDatabase<any>({ kind: 'postgres', url, max: 5, applicationName: 'cs-start' });
    return {
      mode: env.EVENTSTORE_URL ? 'EventStoreDB + PostgreSQL' : 'PostgreSQL',
      store,
      readModel,
      close: async () => {
        await readModel.destroy();
        await store.close();
      },
    };
  }
  // relaxedDurability: a query returns before the file system flush; a crash may lose the last
  // moments, which a rerun of the same run re-sends (idempotent commands).
  const embedded = await openPgliteDataDir(join(dataDir, 'pglite'), { relaxedDurability: true }, lock);
  const { pglite } = embedded;
  const store = await createPgliteEventStore(pglite, { schema: 'event_store' });
  const readModel = new Kysely<any>({ dialect: sharedPgliteDialect(pglite) });
  return {
    mode: `embedded PGlite (${join(dataDir, 'pglite')})`,
    store,
    readModel,
    close: async () => {
      await readModel.destroy();
      await store.close();
      await embedded.close();
    },
  };
};

const catalogueOf = (): CatalogueEntry[] =>
  aggregates.flatMap((a) =>
    Object.entries(a.commands as Record<string, { description: string; schema: z.ZodType }>).map(([type, def]) => ({ type, description: def.description, schema: def.schema })),
  );

/**
 * `cs start`: returns the exit code (0 done, 1 failed or commands answered unexpectedly, 2 bad
 * usage or environment).
 *
 * @example
 * process.exit(await run(['--customers', '20', '--days', '7', '--data-dir', '/tmp/cs']));
 */
export const run = async (argv: string[]): Promise<number> => {
  let values;
  try {
    values = parseArgs({
      // `pnpm start -- --reset` passes the `--` through.
      args: argv[0] === '--' ? argv.slice(1) : argv,
      strict: true,
      allowPositionals: false,
      options: {
        customers: { type: 'string' },
        days: { type: 'string' },
        seed: { type: 'string' },
        'data-dir': { type: 'string' },
        reset: { type: 'boolean', default: false },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    console.error(`cs start: ${(e as Error).message}\n\n${startUsage}`);
    return 2;
  }
  if (values.help) {
    console.log(startUsage);
    return 0;
  }
  let env: CliEnv;
  let options: { customers: number; days: number; seed: number; concurrency: number };
  try {
    env = readCliEnv(process.env);
    options = {
      customers: int('customers', values.customers, 30, 1, 1_000_000),
      days: int('days', values.days, 21, 1, 3660),
      seed: int('seed', values.seed, 42, 0, 0xffffffff),
      concurrency: int('concurrency', values.concurrency, 4, 1, 256),
    };
  } catch (e) {
    console.error(`cs start: ${(e as Error).message}`);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? env.CS_DATA_DIR ?? join(repoRoot, '.data'));
  const out = resolve(values.out ?? join(dataDir, 'report.html'));
  try {
    // The data directory is this run's alone (the embedded database and the run state), from
    // before --reset deletes anything: another `cs start`, `cs audit` or handler on it is refused.
    const lock = lockPgliteDataDir(join(dataDir, 'pglite'));
    try {
      return await start(env, dataDir, out, values.reset === true, options, lock);
    } finally {
      lock.release();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`cs start: ${e.message}`);
      return 2;
    }
    if (e instanceof DataDirInUseError) {
      console.error(`cs start: ${e.message}`);
      return 1;
    }
    throw e;
  }
};

const start = async (
  env: CliEnv,
  dataDir: string,
  out: string,
  reset: boolean,
  options: { customers: number; days: number; seed: number; concurrency: number },
  lock: DataDirLock,
): Promise<number> => {
  const t0 = Date.now();
  if (reset) {
    // Only what `start` itself wrote: the embedded database, the run state, the default report.
    for (const entry of ['pglite', STATE_FILE, 'report.html']) rmSync(join(dataDir, entry), { recursive: true, force: true });
    if (env.DATABASE_URL) console.error('cs start: --reset cleared the local run state only; the PostgreSQL / EventStoreDB data stay (drop them yourself)');
  }
  mkdirSync(dataDir, { recursive: true });
  const state = readState(dataDir);
  const planned = planRun(state, { seed: options.seed, customers: options.customers, days: options.days }, '2026-01-05');
  const window = simulationWindow({ days: planned.days, startDate: planned.startDate });
  if (window.to > Date.now()) {
    throw new UsageError(
      `run ${planned.runIndex + 1} would simulate ${planned.startDate} + ${planned.days} days, which reaches past today: business times may not be in the future. Use --reset (or fewer --days).`,
    );
  }
  if (state.runs.at(-1) !== planned) state.runs.push(planned);

  const infra = await openInfra(env, dataDir, lock);
  const cleanups: (() => Promise<void>)[] = [() => infra.close()];
  try {
    // With AUDIT_HMAC_KEY, every append's stream head is signed into the export file, so
    // auditors can detect a truncated tail or a recomputed chain from the first event on.
    const auditKey = process.env.AUDIT_HMAC_KEY?.trim() ? anchorKeyFromEnv(process.env) : undefined;
    const anchors = auditKey ? fileAnchors(process.env.AUDIT_ANCHOR_FILE?.trim() || join(dataDir, 'audit-heads.jsonl')) : undefined;
    const handler = createCommandHandler({
      store: infra.store,
      aggregates,
      processes: crossAggregateProcesses,
      ...(auditKey && anchors
        ? {
            afterAppend: async (result) => {
              await anchorStreamHead({ store: infra.store, sink: anchors, key: auditKey, now: () => new Date().toISOString() }, result.streamId);
            },
          }
        : {}),
    });
    let bus: CommandBus = inProcessCommandBus(handler);
    let transport = 'in-process command bus';
    if (env.NATS_URL) {
      const nc = await connectNats(natsConnectionOptionsFromEnv(process.env));
      // Embedded store: a private subject prefix, so no other handler on that server takes our commands.
      const subjectPrefix = env.DATABASE_URL ? 'cs.cmd' : `cs.start.${process.pid}.cmd`;
      const service = await startCommandService(nc, {
        name: 'cs-start-command-handler',
        version: '0.1.0',
        catalogue: catalogueOf(),
        subjectPrefix,
        answerUnknownCommands: false,
        // The same request as every transport makes: the declared correlation and causation too.
        handle: (envelope, context) => handler.handle(requestFromEnvelope(envelope, context.service)) as never,
      });
      cleanups.unshift(async () => {
        await service.stop();
        await nc.drain();
      });
      const nats = natsCommandBus(nc, { subjectPrefix, timeoutMs: 30_000 });
      bus = { send: (envelope, ctx) => nats.send({ ...envelope, payload: envelope.payload as Record<string, unknown>, metadata: envelope.metadata ?? {} }, ctx) as never };
      transport = `NATS command bus (${env.NATS_URL}, subjects ${subjectPrefix}.*)`;
    }
    console.error(`cs start: run ${planned.runIndex + 1}: ${planned.customers} customers, ${planned.days} days from ${planned.startDate}, seed ${planned.seed}`);
    console.error(`cs start: ${infra.mode}; ${transport}`);

    // 1. Send the simulated traffic.
    writeState(dataDir, state);
    const simOptions = { customers: planned.customers, days: planned.days, seed: planned.seed, startDate: planned.startDate, runIndex: planned.runIndex };
    let total = 0;
    for (const _ of createSimulation(simOptions).commands) total += 1;
    const sim = createSimulation(simOptions);
    const bar = progressBar('sending commands', total);
    const unexpected: string[] = [];
    let sent = 0;
    let duplicates = 0;
    const sendOne = async (c: SimCommand) => {
      const reply = await bus.send({ commandId: c.commandId, type: c.type, payload: c.payload, metadata: { person: c.person } }, { service: c.service });
      const code = reply.ok ? undefined : reply.error.code;
      if (reply.duplicate) duplicates += 1;
      if (code !== c.expectedError) unexpected.push(`${c.type} ${c.commandId}: expected ${c.expectedError ?? 'ok'}, got ${reply.ok ? 'ok' : `${code}: ${reply.error.message}`}`);
      sent += 1;
      bar.draw(sent);
    };
    const lanes: Promise<void>[] = Array.from({ length: options.concurrency }, () => Promise.resolve());
    const laneOf = (partition: string) => {
      let h = 0;
      for (let i = 0; i < partition.length; i++) h = (h * 31 + partition.charCodeAt(i)) >>> 0;
      return h % options.concurrency;
    };
    let queued = 0;
    for (const c of sim.commands) {
      const i = laneOf(c.partition);
      lanes[i] = lanes[i]!.then(() => sendOne(c));
      queued += 1;
      if (queued % 2000 === 0) await Promise.all(lanes);
    }
    await Promise.all(lanes);
    bar.draw(total);
    planned.status = 'sent';
    writeState(dataDir, state);
    const sentAt = Date.now();

    // 2. Project until the read models have caught up with every event.
    process.stderr.write('projecting the KPI read models...\n');
    const logger = pino({ name: 'cs-start-projector', level: process.env.LOG_LEVEL ?? 'warn' }, destination(2));
    // Embedded: one process owns the PGlite instance, so no standby can take over; a long lease
    // keeps a batch that holds the single connection from outliving its own lease.
    const runtime = createProjectionRuntime({ db: infra.readModel, store: infra.store, projections: [kpiProjection], batchSize: 1000, pollMs: 100, logger, ...(env.DATABASE_URL ? {} : { leaseMs: 300_000 }) });
    // While it works, say where it is; a projection stopped on a poison event is reported, not waited for.
    const watch = setInterval(() => {
      listStatus(infra.readModel, kpiProjection.name).then(
        (rows) => {
          for (const r of rows.filter((x) => x.version === kpiProjection.version)) {
            process.stderr.write(`projecting: ${r.name} v${r.version} ${r.state}, ${r.eventsHandled} events handled, ${r.eventsBehind} behind${r.lastError ? `, error: ${r.lastError}` : ''}\n`);
          }
        },
        () => undefined,
      );
    }, 10_000);
    try {
      await runtime.caughtUp();
    } finally {
      clearInterval(watch);
      await runtime.stop();
    }
    const projectedAt = Date.now();

    // 3. Scorecard and report.
    const s = sim.stats;
    const subtitle = `${state.runs.length} run(s) in ${dataDir}; last: ${planned.customers} customers (${s.customers.key} key, ${s.customers.suitable} suitable, ${s.customers.general} general), ${planned.days} days from ${planned.startDate}, seed ${planned.seed}; ${total} commands, ${s.orders} orders, ${s.complaints} complaints, ${s.returns} returns.`;
    const data = await readReportData(infra.readModel, { kpiSchema: schemaOf(kpiProjection), title: 'Customer service KPI report', subtitle });
    console.log(scorecardText(data.scorecard));
    console.log(segmentsText(data.segments));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, renderReportHtml(data));
    console.log(`Report: ${out}`);
    console.error(
      `cs start: ${total} commands (${duplicates} already handled) in ${((sentAt - t0) / 1000).toFixed(1)} s, projected in ${((projectedAt - sentAt) / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (unexpected.length > 0) {
      console.error(`cs start: ${unexpected.length} command(s) were answered differently than the simulator expected:\n  ${unexpected.slice(0, 10).join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
};
