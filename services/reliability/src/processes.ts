import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where the services' entry points are (run as child processes; nothing imports a service). */
export const serviceMain = (service: 'command-handler' | 'projector'): string =>
  fileURLToPath(new URL(`../../${service}/src/main.ts`, import.meta.url));

export type Child = {
  proc: ChildProcess;
  /** Everything it wrote to stdout so far. */
  output: () => string;
  /** Resolves with the signal or exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** Resolves once stdout contains `text`; rejects after `ms` or when the process ends first. */
  waitFor: (text: string, ms?: number) => Promise<void>;
  kill: (signal?: NodeJS.Signals) => Promise<NodeJS.Signals | number | null>;
};

/**
 * Starts a service's main.ts with tsx and the given environment, capturing its stdout.
 *
 * @example
 * const handler = startService('command-handler', { DATABASE_URL, NATS_URL });
 * await handler.waitFor('command handler ready');
 */
export const startService = (service: 'command-handler' | 'projector', env: Record<string, string>): Child => {
  const proc = spawn(process.execPath, ['--import', 'tsx', serviceMain(service)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const waitFor = async (text: string, ms = 60_000): Promise<void> => {
    const until = Date.now() + ms;
    while (!out.includes(text)) {
      if (ended) throw new Error(`${service} ended before "${text}": ${out.slice(-2000)} ${err.slice(-2000)}`);
      if (Date.now() > until) throw new Error(`${service} did not print "${text}" within ${ms} ms: ${out.slice(-2000)} ${err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    proc,
    output: () => out,
    exited,
    waitFor,
    kill: async (signal = 'SIGKILL') => {
      if (!ended) proc.kill(signal);
      return exited;
    },
  };
};
