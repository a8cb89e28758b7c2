import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const embeddedEnv = (dataDir: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CS_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const k of ['NATS_URL', 'DATABASE_URL', 'EVENTSTORE_URL', 'EVENT_STORE']) delete env[k];
  return env;
};

/** Start-up figure: ms to the first report line, or why it was not measured. */
export type StartFigure = { ok: true; ms: number; line: string } | { ok: false; error: string };

/**
 * Times the embedded `start` (`pnpm start`: the CLI's start command with its defaults, embedded
 * PGlite, no NATS) from spawn to the `Report: <file>` line, in a fresh data directory; the child is then stopped (SIGTERM, then SIGKILL) by its pid.
 *
 * @example
 * const s = await startFigure('/work/main', 300_000);
 */
export const startFigure = async (repoRoot: string, timeoutMs: number): Promise<StartFigure> => {
  const cliDir = join(repoRoot, 'services/cli');
  if (!existsSync(join(cliDir, 'src/commands/start.ts'))) return { ok: false, error: 'the CLI has no start command yet (services/cli/src/commands/start.ts)' };
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-bench-start-'));
  try {
    return await new Promise<StartFigure>((resolve) => {
      const started = performance.now();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
        cwd: cliDir,
        // The embedded default: no NATS, PostgreSQL or EventStoreDB from the environment.
        env: embeddedEnv(dataDir),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let buffer = '';
      let settled = false;
      const finish = (r: StartFigure) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        resolve(r);
      };
      const timer = setTimeout(() => finish({ ok: false, error: `no report within ${timeoutMs} ms: ${buffer.slice(-300)}` }), timeoutMs);
      const onData = (d: Buffer) => {
        buffer += d.toString();
        const line = buffer.split('\n').find((l) => /^Report: /.test(l));
        if (line) finish({ ok: true, ms: performance.now() - started, line: line.slice(0, 200) });
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (d: Buffer) => (buffer += d.toString()));
      child.on('exit', (code) => finish({ ok: false, error: `start exited with ${code} before a report: ${buffer.slice(-300)}` }));
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};
