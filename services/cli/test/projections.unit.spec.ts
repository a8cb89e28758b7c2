// `cs projections` bad usage that needs no database: it is refused (exit 2) before one is opened,
// so these run with no DATABASE_URL and a data directory that does not exist (opening it would
// be a failure, exit 1, 'no embedded database').
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { kpiProjections } from '@cs/projection-kpi';
import { run } from '../src/commands/projections.ts';
import { runHere } from './run-here.ts';

const nowhere = join(tmpdir(), `cs-projections-nowhere-${process.pid}`);
const csHere = (args: string[]) =>
  runHere(() => run(args), { DATABASE_URL: '', EVENTSTORE_URL: '', NATS_URL: '', CS_DATA_DIR: nowhere });

describe('cs projections options', () => {
  it('refuses an option that does not apply to the sub-command (exit 2, naming both), before any database', async () => {
    for (const [args, option, sub] of [
      [['retire', 'kpi', '2', '--force'], '--force', 'retire'],
      [['status', '--force'], '--force', 'status'],
      [['resume', 'kpi', '2', '--json'], '--json', 'resume'],
      [['promote', 'kpi', '2', '--reason', 'x'], '--reason', 'promote'],
      [['status', '--by', 'me'], '--by', 'status'],
      [['dead-letter', 'kpi', '2', '00000000000000000042', '--reason', 'poison', '--force'], '--force', 'dead-letter'],
    ] as const) {
      const r = await csHere([...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(/^cs projections: /);
      expect(r.err).toContain(option);
      expect(r.err).toContain(sub);
      expect(r.err).not.toContain('no embedded database');
    }
  });

  it('keeps --help working with any sub-command and option', async () => {
    for (const args of [['--help'], ['retire', '--help'], ['status', '--force', '--help'], ['-h']]) {
      const r = await csHere(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.out).toContain('cs projections <command>');
    }
  });

  it('options that apply still pass the usage check (then it needs a database: exit 1)', async () => {
    for (const args of [
      ['status', '--json'],
      ['promote', 'kpi', '2', '--force'],
      ['dead-letter', 'kpi', '2', '00000000000000000042', '--reason', 'poison', '--by', 'me'],
      ['retire', 'kpi', '2', '--data-dir', nowhere],
    ]) {
      const r = await csHere(args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.err).toContain('no embedded database');
    }
  });

  it('resolves <name> <version> through the list the projector runs: an unknown one is refused with a code, naming the known ones, before any database', async () => {
    const known = kpiProjections.map((p) => `${p.name} v${p.version}`).join(', ');
    expect(known).toContain('kpi v2');
    for (const args of [
      ['promote', 'kpi', '9'],
      ['promote', 'nope', '2'],
      ['resume', 'nope', '2'],
      ['resume', 'kpi', '9'],
      ['dead-letter', 'kpi', '9', '00000000000000000042', '--reason', 'poison'],
      ['retire', 'nope', '2'],
    ]) {
      const r = await csHere(args);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 1, err: `cs projections: not_found: unknown projection ${args[1]} v${args[2]} (the projector runs ${known})\n` });
    }
  });

  it('a version the projector no longer runs can still be retired (the end of a rebuild): only its name must be known', async () => {
    const r = await csHere(['retire', 'kpi', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no embedded database');
  });
});
