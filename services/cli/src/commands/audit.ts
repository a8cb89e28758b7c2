import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  anchorAllHeads,
  anchorKeyFromEnv,
  applyAuditMigration,
  auditComplaint,
  auditViewStore,
  eventStoreAccessLog,
  fileAnchors,
  formatAudit,
  isAuditError,
  jetStreamAnchors,
  latestAnchored,
  listComplaints,
  sqlAccessLog,
  startAuditQueryService,
  type AnchorSink,
  type AnchorSource,
  type AuditDeps,
  type AuditFormat,
  type SignedHead,
  type SqlExecutor,
} from '@cs/audit';
import { complaintAggregate, orderAggregate, returnRequestAggregate } from '@cs/domain';
import type { NatsConnection } from 'nats';
import { readCliEnv, type CliEnv } from '../env.ts';
import { dataDirOf, EVENT_STORE_SCHEMA, openEventStore, openNats, openSqlDatabase, SystemError, type SqlDatabase } from '../system.ts';

export const auditUsage = `cs audit complaint <number|id> [options]   a complaint's verified history
cs audit list [--limit <n>]                 the latest complaints (number, id, received)
cs audit anchor                             sign and publish the current head of every stream
                                            (catch-up for stores written without anchoring)
cs audit setup                              create the audit views, access log and auditor role
                                            (SQL stores; run once as the database owner)
cs audit serve                              answer cs.query.audit.complaint over NATS

A complaint's verified history: timeline, state at a moment, handling times, verification.

Options of 'complaint':
  --as-of <ISO time>   state as the record stood at that instant (by recorded time)
  --at <version>       state after that version
  --format <f>         table (default) | json (complete, with hashes and anchors) | csv
  --with-order         add the linked order and its returns
  --reader <name>      who is reading (logged; default $USER)
  -h, --help           this text

Environment: the events are in the embedded database (<CS_DATA_DIR or .data>/pglite) by
default, in PostgreSQL with DATABASE_URL (read through the audit views, so an auditor's login
needs only the auditor role), or in EventStoreDB with EVENTSTORE_URL. Anchored heads: JetStream
CS_AUDIT_HEADS with NATS_URL, otherwise the export file AUDIT_ANCHOR_FILE (default
<data dir>/audit-heads.jsonl). AUDIT_HMAC_KEY checks (and for 'anchor' signs) the heads.
Exit code: 0 verified, 3 verification failed, 2 bad input or unknown complaint, 1 other.`;

/**
 * The exit code of an audit refusal (docs/auditors.md): 2 for bad input or an unknown complaint
 * (the key given in AUDIT_HMAC_KEY included), 1 for the other failures (anchors unreadable,
 * audit schema missing, login without the auditor role).
 */
const exitCodeOf = (e: { code: string }): number => (['complaint_not_found', 'invalid_argument', 'anchor_key_missing'].includes(e.code) ? 2 : 1);

export type AuditCommandDeps = {
  /** the audit's dependencies, or a function opening them once the arguments are valid */
  audit: AuditDeps | (() => Promise<AuditDeps>);
  /** the authenticated principal (database role, NATS user) recorded in the access log */
  principal: string;
  /** default reader when --reader is not given */
  defaultReader?: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
};

/**
 * `cs audit complaint …`: parses the arguments, runs the audit (logging the read) and prints
 * it; returns the exit code (0 verified, 3 verification failed, 2 bad input or unknown complaint, 1 other).
 *
 * @example
 * const code = await auditCommand(['complaint', 'C-2024-000123', '--format', 'csv'], deps);
 */
export const auditCommand = async (argv: string[], deps: AuditCommandDeps): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'as-of': { type: 'string' },
        at: { type: 'string' },
        format: { type: 'string', default: 'table' },
        'with-order': { type: 'boolean', default: false },
        reader: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    deps.err(`cs audit: ${(e as Error).message}\n\n${auditUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.out(auditUsage);
    return 0;
  }
  const [what, ref, ...extra] = positionals;
  if (what !== 'complaint' || !ref || extra.length > 0) {
    deps.err(`cs audit: expected 'complaint <number|id>'\n\n${auditUsage}`);
    return 2;
  }
  const format = values.format as AuditFormat;
  if (!['table', 'json', 'csv'].includes(format)) {
    deps.err(`cs audit: --format must be table, json or csv (got '${values.format}')`);
    return 2;
  }
  const reader = values.reader ?? deps.defaultReader;
  if (!reader) {
    deps.err('cs audit: say who is reading with --reader <name> (every audit read is logged)');
    return 2;
  }
  try {
    const auditDeps = typeof deps.audit === 'function' ? await deps.audit() : deps.audit;
    const audit = await auditComplaint(
      auditDeps,
      { complaint: ref, asOf: values['as-of'], at: values.at, withOrder: values['with-order'], reader },
      { via: 'cli', principal: deps.principal },
    );
    deps.out(formatAudit(audit, format));
    return audit.verified ? 0 : 3;
  } catch (e) {
    if (isAuditError(e)) {
      deps.err(`cs audit: ${e.code}: ${e.message}`);
      return exitCodeOf(e);
    }
    throw e;
  }
};

type Opened = {
  env: CliEnv;
  dataDir: string;
  db: SqlDatabase | undefined;
  reader: AuditDeps['store'];
  accessLog: AuditDeps['accessLog'];
  principal: string;
  nc: NatsConnection | undefined;
  anchors: (AnchorSink & AnchorSource) | undefined;
  /** the last head of every stream in JetStream (with NATS_URL) */
  latestHeads: (() => Promise<SignedHead[]>) | undefined;
  anchorsLabel: string;
  file: ReturnType<typeof fileAnchors> | undefined;
  close: () => Promise<void>;
};

const hasAuditSchema = async (db: SqlDatabase): Promise<boolean> => {
  const q = 'SELECT to_regclass(\'audit.events\') IS NOT NULL AS ok';
  const rows = db.kind === 'postgres' ? (await db.pool.query(q)).rows : (await db.pglite.query<{ ok: boolean }>(q)).rows;
  return rows[0]?.ok === true;
};

/** Creates the event store's schema (if missing) and the audit schema; needs the owner's rights. */
const setUp = async (env: CliEnv, db: SqlDatabase): Promise<void> => {
  try {
    await openEventStore(env, db); // migrates the event store's schema (idempotent)
    await applyAuditMigration(db.kind === 'postgres' ? db.pool : db.pglite, { eventStoreSchema: EVENT_STORE_SCHEMA });
  } catch (e) {
    if ((e as { code?: string }).code === '42501' || /permission denied/i.test((e as Error).message))
      throw new SystemError(`the audit schema is missing and this login may not create it (${(e as Error).message}): ask the database owner to run 'cs audit setup'`, { exitCode: 1 });
    throw e;
  }
};

/** Opens what an audit needs from the environment: the events (read-only), the access log, the anchors. */
const openAudit = async (options: { needAnchors: boolean }): Promise<Opened> => {
  const env = readCliEnv(process.env);
  const dataDir = dataDirOf(env);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const db = await openSqlDatabase(env, { dataDir, mustExist: true, applicationName: 'cs-audit' });
    if (db) cleanups.push(db.close);
    let reader: AuditDeps['store'];
    let accessLog: AuditDeps['accessLog'];
    let principal: string;
    const now = () => new Date().toISOString();
    if (env.EVENTSTORE_URL) {
      // events in EventStoreDB: read them there; the access log is a hash-chained stream there too
      const { store } = await openEventStore(env, undefined);
      cleanups.push(() => store.close());
      reader = store;
      accessLog = eventStoreAccessLog(store, now);
      principal = 'esdb';
    } else {
      const sql = db!;
      if (!(await hasAuditSchema(sql))) await setUp(env, sql);
      const exec: SqlExecutor = sql.kind === 'postgres' ? sql.pool : sql.pglite;
      reader = auditViewStore(exec);
      accessLog = sqlAccessLog(exec);
      const who = String((await exec.query('SELECT current_user AS u')).rows[0]?.u ?? 'unknown');
      principal = sql.kind === 'postgres' ? `db:${who}` : `embedded:${process.env.USER ?? who}`;
    }
    let nc: NatsConnection | undefined;
    let anchors: (AnchorSink & AnchorSource) | undefined;
    let latestHeads: Opened['latestHeads'];
    let file: ReturnType<typeof fileAnchors> | undefined;
    let anchorsLabel = '';
    if (options.needAnchors) {
      nc = await openNats(env, { failFast: true });
      if (nc) {
        const conn = nc;
        cleanups.push(() => conn.drain());
        const js = await jetStreamAnchors(nc);
        anchors = js;
        latestHeads = js.latest;
        anchorsLabel = `JetStream CS_AUDIT_HEADS (${env.NATS_URL})`;
      } else {
        const path = process.env.AUDIT_ANCHOR_FILE?.trim() || join(dataDir, 'audit-heads.jsonl');
        anchors = file = fileAnchors(path);
        anchorsLabel = `export file ${path}`;
      }
    }
    return { env, dataDir, db, reader, accessLog, principal, nc, anchors, latestHeads, anchorsLabel, file, close };
  } catch (e) {
    await close();
    throw e;
  }
};

const key = (): string | undefined => (process.env.AUDIT_HMAC_KEY?.trim() ? anchorKeyFromEnv(process.env) : undefined);
const aggregates = { complaint: complaintAggregate, order: orderAggregate, returnRequest: returnRequestAggregate };

/**
 * Entry point for `cs audit` (services/cli/src/main.ts calls it): opens the store, the access
 * log and the anchors from the environment and runs the sub-command; returns the exit code.
 *
 * @example
 * process.exitCode = await run(['complaint', 'TS-2026-000123']);
 */
export const run = async (argv: string[]): Promise<number> => {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const out = (t: string): void => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
  const err = (t: string): void => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    out(auditUsage);
    return sub ? 0 : 2;
  }
  let opened: Opened | undefined;
  try {
    switch (sub) {
      case 'complaint': {
        // the arguments are checked before anything is opened
        const code = await auditCommand(args, {
          audit: async () => {
            opened = await openAudit({ needAnchors: true });
            const k = key();
            if (!k) err('cs audit: AUDIT_HMAC_KEY is not set: the anchored heads cannot be checked (a truncated tail or a recomputed chain would go unseen)');
            return { store: opened.reader, anchors: opened.anchors, key: k, accessLog: opened.accessLog, aggregates, now: () => new Date().toISOString() };
          },
          get principal() {
            return opened?.principal ?? 'unknown';
          },
          defaultReader: process.env.CS_AUDIT_READER ?? process.env.USER ?? process.env.LOGNAME,
          out,
          err,
        });
        return code;
      }
      case 'list': {
        const { values } = parseArgs({ args: rest, strict: true, options: { limit: { type: 'string', default: '20' } } });
        const limit = Number(values.limit);
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new SystemError(`--limit wants 1..10000, got '${values.limit}'`);
        opened = await openAudit({ needAnchors: false });
        const list = await listComplaints(opened.reader, { limit });
        if (list.length === 0) out('no complaints recorded');
        for (const c of list) out(`${(c.number ?? '(no number)').padEnd(20)} ${c.id.padEnd(40)} received ${c.receivedAt ?? '-'}`);
        return 0;
      }
      case 'anchor': {
        if (rest.length) throw new SystemError(`cs audit anchor takes no arguments (got ${rest.join(' ')})`);
        const k = anchorKeyFromEnv(process.env);
        opened = await openAudit({ needAnchors: true });
        // heads already anchored at their version are skipped, in the file and in JetStream alike
        const anchored = opened.file ? latestAnchored(await opened.file.all()) : opened.latestHeads ? latestAnchored(await opened.latestHeads()) : undefined;
        const n = await anchorAllHeads({ store: opened.reader, sink: opened.anchors!, key: k, now: () => new Date().toISOString(), ...(anchored ? { anchored } : {}) });
        out(`anchored ${n} stream head(s) in ${opened.anchorsLabel}`);
        return 0;
      }
      case 'setup': {
        if (rest.length) throw new SystemError(`cs audit setup takes no arguments (got ${rest.join(' ')})`);
        const env = readCliEnv(process.env);
        const db = await openSqlDatabase(env, { dataDir: dataDirOf(env), applicationName: 'cs-audit-setup' });
        if (!db) throw new SystemError('cs audit setup is for the SQL stores (DATABASE_URL or the embedded default); with EventStoreDB alone there is nothing to set up');
        try {
          await setUp(env, db);
        } finally {
          await db.close();
        }
        out(`audit schema ready: views audit.events, audit.complaint_events, audit.access_log_view; role auditor (grant it: CREATE ROLE alice LOGIN IN ROLE auditor)`);
        return 0;
      }
      case 'serve': {
        if (rest.length) throw new SystemError(`cs audit serve takes no arguments (got ${rest.join(' ')})`);
        opened = await openAudit({ needAnchors: true });
        if (!opened.nc) throw new SystemError('cs audit serve needs NATS_URL (it answers cs.query.audit.complaint)');
        const k = key();
        const svc = startAuditQueryService(opened.nc, {
          store: opened.reader,
          anchors: opened.anchors,
          key: k,
          accessLog: opened.accessLog,
          aggregates,
          now: () => new Date().toISOString(),
          principal: 'nats:auditor',
          onError: (e) => err(`cs audit serve: ${(e as Error).stack ?? String(e)}`),
        });
        err(`cs audit serve: answering cs.query.audit.complaint (anchors: ${opened.anchorsLabel}${k ? '' : '; AUDIT_HMAC_KEY not set: anchors NOT checked'})`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await svc.stop();
        return 0;
      }
      default:
        err(`cs audit: unknown sub-command '${sub}'\n\n${auditUsage}`);
        return 2;
    }
  } catch (e) {
    if (isAuditError(e)) {
      err(`cs audit: ${e.code}: ${e.message}`);
      return exitCodeOf(e);
    }
    if (e instanceof SystemError) {
      err(`cs audit: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof Error && e.name === 'TypeError' && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`cs audit: ${e.message}\n\n${auditUsage}`);
      return 2;
    }
    throw e;
  } finally {
    await opened?.close();
  }
};
