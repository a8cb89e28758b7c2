import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { aggregates } from '@cs/domain';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { sendCommand, type Reply } from '@cs/messaging';
import type { NatsConnection } from 'nats';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { startWritePath, type WritePath, type WritePathOptions } from '../src/write-path.ts';

// The realistic lifecycles are shared with the application tests (test code, not a package API).
export { businessClock, fullLifecycle, openCustomer, placeOrder } from '../../../packages/application/test/fixtures.ts';

/** A unique subject prefix, so this file's handlers never meet another test's on the shared server. */
export const uniquePrefix = (label: string) => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.${label}.cs.cmd`;

export const silent: Logger = pino({ level: 'silent' });

/** One command-handler instance: its own pool on the test database, the real write path on `nc`. */
export const startInstance = async (nc: NatsConnection, databaseUrl: string, extra: Partial<WritePathOptions> = {}): Promise<WritePath & { store: EventStore; close: () => Promise<void> }> => {
  const store = await createPostgresEventStore({ connectionString: databaseUrl, max: 8 });
  const wp = await startWritePath({ nc, store, aggregates, log: silent, ...extra });
  return {
    ...wp,
    store,
    close: async () => {
      await wp.stop();
      await store.close();
    },
  };
};

/** Sends one command as `service` on `prefix`. */
export const sender = (nc: NatsConnection, prefix: string, service = 'order-desk') => (type: string, payload: Record<string, unknown>, commandId?: string): Promise<Reply> =>
  sendCommand(nc, { type, service, payload, subjectPrefix: prefix, timeoutMs: 10_000, retries: 1, ...(commandId ? { commandId } : {}) });

/**
 * The number of events stored, counted in SQL: `readAll` holds back events committed after any
 * transaction still open in the cluster (other test files), so it cannot count exactly.
 */
export const eventCount = async (databaseUrl: string): Promise<number> => {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM event_store.events');
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
};

/** Polls `pred` every 50 ms for at most `ms`; its last answer. */
export const waitUntil = async (pred: () => boolean, ms: number): Promise<boolean> => {
  const until = Date.now() + ms;
  while (Date.now() < until && !pred()) await new Promise((r) => setTimeout(r, 50));
  return pred();
};

/**
 * Runs services/command-handler/src/main.ts in a child process with `env` over this process's
 * environment; its JSON log lines are collected in `lines`, `exit` resolves with its exit code.
 */
export const spawnMain = (env: Record<string, string>): { proc: ChildProcess; lines: Record<string, unknown>[]; exit: Promise<number | null> } => {
  const lines: Record<string, unknown>[] = [];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buffer += String(d);
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, lines, exit };
};
