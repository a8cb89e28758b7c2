// `cs projections <status|dead-letter|resume|promote|retire>`: the operator's view of the projector.
import { parseArgs } from 'node:util';
import { kpiProjections } from '@cs/projection-kpi';
import { deadLetter, listStatus, promote, resume, retire, ProjectionError, type Projection } from '@cs/projection-runtime';
import { createReadModelDatabase, type RuntimeDatabase } from '@cs/read-model';
import { readCliEnv } from '../env.ts';
import { dataDirOf, openSqlDatabase, SystemError } from '../system.ts';

const usage = `cs projections <command>

  status [--json]                                   every projection version: state, checkpoint, lag, last error
  dead-letter <name> <version> <position> --reason <text> [--by <who>]
                                                    move the poison event a stopped version stopped on to
                                                    projection_dead_letters and resume after it
  resume <name> <version>                           retry the event a stopped version stopped on (after a fix)
  promote <name> <version> [--force]                switch the analytics views to that version (atomic)
  retire <name> <version>                           drop a version that no longer serves

The read model is the embedded database in the data directory (--data-dir, $CS_DATA_DIR, .data),
or DATABASE_URL. Every command takes --data-dir <dir>; an option a command does not list above
is refused (exit 2).`;

/** The options each sub-command reads, besides --data-dir and --help (which every one takes). */
const optionsOf: Record<string, readonly string[]> = { status: ['json'], 'dead-letter': ['reason', 'by'], resume: [], promote: ['force'], retire: [] };

const intArg = (s: string | undefined, what: string): number => {
  if (!s || !/^\d+$/.test(s)) throw new SystemError(`${what} must be a whole number`);
  return Number(s);
};

/** The runtime's tables are missing: no projector has run on this database yet. */
const noRuntimeTables = (e: unknown): boolean =>
  (e as { code?: unknown } | null)?.code === '42P01' && /projection_runtime\./.test(e instanceof Error ? e.message : '');

/**
 * Runs `cs projections ...`; returns the exit code (0 done, 1 refused or failed, 2 bad usage).
 *
 * @example
 * process.exit(await run(['status', '--json']));
 */
export const run = async (argv: string[]): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        reason: { type: 'string' },
        by: { type: 'string' },
        force: { type: 'boolean' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`cs projections: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, name, version, position] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  // Bad usage is found before any database is opened.
  const argCount: Record<string, number> = { status: 0, 'dead-letter': 3, resume: 2, promote: 2, retire: 2 };
  const wanted = argCount[command];
  if (wanted === undefined) {
    console.error(`cs projections: unknown command '${command}'\n\n${usage}`);
    return 2;
  }
  try {
    // An option the sub-command does not read is refused: whoever typed it believes it took effect.
    const applies = optionsOf[command] ?? [];
    const ignored = Object.keys(values).filter((o) => o !== 'help' && o !== 'data-dir' && !applies.includes(o));
    if (ignored.length > 0) {
      const takes = [...applies, 'data-dir'].map((o) => `--${o}`).join(', ');
      throw new SystemError(`${ignored.map((o) => `--${o}`).join(', ')} ${ignored.length > 1 ? 'do' : 'does'} not apply to ${command} (${command} takes ${takes})`);
    }
    if (positionals.length - 1 > wanted) throw new SystemError(`${command} takes ${wanted ? `${wanted} arguments` : 'no arguments'} (got ${positionals.slice(1).join(' ')})`);
    if (command === 'dead-letter' && (!name || !position || !values.reason)) throw new SystemError('dead-letter needs <name> <version> <position> --reason <text>');
    if (wanted > 0 && !name) throw new SystemError(`${command} needs <name> <version>`);
    if (wanted > 0) intArg(version, 'version');
  } catch (e) {
    console.error(`cs projections: ${(e as Error).message}`);
    return 2;
  }
  // <name> <version> resolve through the list the projector runs, before any database is opened.
  // retire needs only a known name: the version it drops is one the projector no longer runs.
  let projection: Projection | undefined;
  if (wanted > 0) {
    const target = Number(version);
    projection = kpiProjections.find((p) => p.name === name && p.version === target);
    if (!projection && !(command === 'retire' && kpiProjections.some((p) => p.name === name))) {
      console.error(`cs projections: not_found: unknown projection ${name} v${target} (the projector runs ${kpiProjections.map((p) => `${p.name} v${p.version}`).join(', ') || 'none'})`);
      return 1;
    }
  }
  let env;
  let sql;
  try {
    env = readCliEnv(process.env);
    sql = await openSqlDatabase(env, { dataDir: dataDirOf(env, values['data-dir']), mustExist: true, applicationName: 'cs-projections' });
    if (!sql) throw new SystemError('the read model lives in PostgreSQL: set DATABASE_URL');
  } catch (e) {
    if (e instanceof SystemError) {
      console.error(`cs projections: ${e.message}`);
      // bad usage 2; an environment that is not there (no database, ...) is a failure: 1
      return e.exitCode;
    }
    throw e;
  }
  const db =
    sql.kind === 'postgres'
      ? createReadModelDatabase<RuntimeDatabase>({ kind: 'postgres', url: env.DATABASE_URL!, max: 1, applicationName: 'cs-projections' })
      : createReadModelDatabase<RuntimeDatabase>({ kind: 'pglite', pglite: sql.pglite });
  try {
    switch (command) {
      case 'status': {
        const rows = await listStatus(db).catch((e: unknown) => {
          if (noRuntimeTables(e)) return [];
          throw e;
        });
        if (values.json) console.log(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) console.log('no projection has run yet');
        else console.table(rows);
        return 0;
      }
      case 'dead-letter': {
        if (!name || !position || !values.reason) throw new SystemError('dead-letter needs <name> <version> <position> --reason <text>');
        await deadLetter(db, { name, version: intArg(version, 'version'), position, reason: values.reason, movedBy: values.by ?? process.env.USER ?? 'operator' });
        console.log(`moved the event at ${position} of ${name} v${version} to projection_dead_letters; the projection resumes after it`);
        return 0;
      }
      case 'resume':
        await resume(db, { name: name ?? '', version: intArg(version, 'version') });
        console.log(`${name} v${version} will retry the event it stopped on`);
        return 0;
      case 'promote':
        await promote(db, projection!, values.force ? { force: true } : {});
        console.log(`analytics views now read ${name} v${version}`);
        return 0;
      case 'retire':
        await retire(db, { name: name ?? '', version: intArg(version, 'version') });
        console.log(`${name} v${version} retired`);
        return 0;
      default:
        console.error(`cs projections: unknown command '${command}'\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ProjectionError) {
      console.error(`cs projections: ${e.code}: ${e.message}`);
      return 1;
    }
    if (e instanceof SystemError) {
      console.error(`cs projections: ${e.message}`);
      return e.exitCode;
    }
    if (noRuntimeTables(e)) {
      console.error(`cs projections: not_found: no projection has run on this database yet`);
      return 1;
    }
    throw e;
  } finally {
    await db.destroy();
    await sql.close();
  }
};
