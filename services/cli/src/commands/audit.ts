import { parseArgs } from 'node:util';
import { auditComplaint, formatAudit, isAuditError, type AuditDeps, type AuditFormat } from '@cs/audit';

export const auditUsage = `cs audit complaint <number|id> [options]

A complaint's verified history: timeline, state at a moment, handling times, verification.

Options:
  --as-of <ISO time>   state as the record stood at that instant (by recorded time)
  --at <version>       state after that version
  --format <f>         table (default) | json (complete, with hashes and anchors) | csv
  --with-order         add the linked order and its returns
  --reader <name>      who is reading (logged; default $USER)
  -h, --help           this text

Environment: DATABASE_URL or EVENTSTORE_URL (the event store), NATS_URL (anchored heads in
JetStream CS_AUDIT_HEADS) or AUDIT_ANCHOR_FILE (an export of heads), AUDIT_HMAC_KEY (checks the
anchors). Exit code: 0 verified, 3 verification failed, 2 bad input or unknown complaint, 1 other.`;

export type AuditCommandDeps = {
  audit: AuditDeps;
  /** the authenticated principal (database role, NATS user) recorded in the access log */
  principal: string;
  /** default reader when --reader is not given */
  defaultReader?: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
};

/**
 * `cs audit complaint …`: parses the arguments, runs the audit (logging the read) and prints
 * it; returns the exit code (0 verified, 3 verification failed, 2 bad input, 1 other).
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
    const audit = await auditComplaint(
      deps.audit,
      { complaint: ref, asOf: values['as-of'], at: values.at, withOrder: values['with-order'], reader },
      { via: 'cli', principal: deps.principal },
    );
    deps.out(formatAudit(audit, format));
    return audit.verified ? 0 : 3;
  } catch (e) {
    if (isAuditError(e)) {
      deps.err(`cs audit: ${e.code}: ${e.message}`);
      return 2;
    }
    throw e;
  }
};

/**
 * Entry point for `cs audit` (services/cli/src/main.ts calls it): builds the dependencies
 * from the environment and runs `auditCommand`.
 *
 * @example
 * process.exitCode = await run(['complaint', 'C-2024-000123']);
 */
export const run = async (argv: string[]): Promise<number> => {
  const out = (t: string): void => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
  const err = (t: string): void => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    out(auditUsage);
    return argv.length === 0 ? 2 : 0;
  }
  // NOT WIRED YET: opening the event store from DATABASE_URL / EVENTSTORE_URL needs the
  // event-store package's factory, which had not landed when this command was written. The
  // lead's composition (or a follow-up) builds AuditDeps like this and calls auditCommand:
  //   store = <event store from env>; anchors = NATS_URL ? await jetStreamAnchors(nc) : fileAnchors(AUDIT_ANCHOR_FILE)
  //   key = process.env.AUDIT_HMAC_KEY; accessLog = sqlAccessLog(pool) (memoryAccessLog for the embedded store)
  //   aggregates = { complaint: complaintAggregate, order: orderAggregate, returnRequest: returnRequestAggregate }
  err('cs audit: not wired to an event store yet (the composition from DATABASE_URL / EVENTSTORE_URL is missing); see services/cli/src/commands/audit.ts');
  return 1;
};
