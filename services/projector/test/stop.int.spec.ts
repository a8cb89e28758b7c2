// main.ts when its read-model database is missing or stops answering: it must not say it is
// running, and SIGTERM must still end the process in a bounded time (an orchestrator waits,
// then SIGKILLs; a batch cut short is rolled back and re-applied by the next leader).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;

/** A TCP proxy to the real PostgreSQL that can go silent (a partitioned or hung server): nothing passes, nothing is closed. */
const silentableProxy = async (target: URL) => {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    if (silent) return; // accepted, never answered
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    client.on('data', (d) => void (!silent && upstream.write(d)));
    upstream.on('data', (d) => void (!silent && client.write(d)));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    silence: () => void (silent = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

beforeAll(async () => {
  database = await createTestDatabase('projector_stop');
});
afterAll(async () => {
  await database?.drop();
});

describe('projector stop', () => {
  it('main.ts exits non-zero within PROJECTOR_STOP_TIMEOUT_MS of SIGTERM when its read model no longer answers', async () => {
    const proxy = await silentableProxy(new URL(database.url));
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        DATABASE_URL: proxy.url,
        EVENT_STORE_URL: database.url,
        PROJECTOR_LEASE_MS: '1500',
        PROJECTOR_STOP_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const until = Date.now() + 30_000;
      while (!out.includes('leading projection')) {
        if (Date.now() > until) throw new Error(`projector did not lead: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      proxy.silence();
      // let a lease renewal get stuck on the silent connection
      await new Promise((r) => setTimeout(r, 1000));
      const sent = Date.now();
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 10_000))]);
      expect(code).toBe(1);
      expect(Date.now() - sent).toBeLessThan(8000);
      expect(out).toContain('stop timed out');
    } finally {
      child.kill('SIGKILL');
      await proxy.close();
    }
  });
});

const runMain = (env: Record<string, string>) => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const within = (ms: number) => Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);
  return { child, within, out: () => out };
};

describe('projector start', () => {
  it('main.ts exits 1 naming DATABASE_URL when the read-model database does not exist (events elsewhere)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-projector-start-'));
    const bad = new URL(database.url);
    bad.pathname = '/no_such_read_model_db';
    const p = runMain({ DATABASE_URL: bad.toString(), EVENT_STORE: 'pglite', CS_DATA_DIR: dir });
    try {
      expect(await p.within(15_000)).toBe(1);
      expect(p.out()).toMatch(/projector failed to start: DATABASE_URL: .*no_such_read_model_db/);
      expect(p.out()).not.toContain('projector running');
    } finally {
      p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('main.ts exits 1 when the read-model database does not answer at start', async () => {
    const proxy = await silentableProxy(new URL(database.url));
    proxy.silence();
    const p = runMain({ DATABASE_URL: proxy.url, EVENT_STORE_URL: database.url });
    try {
      expect(await p.within(20_000)).toBe(1);
      expect(p.out()).toMatch(/projector failed to start: DATABASE_URL: .*did not answer/);
    } finally {
      p.child.kill('SIGKILL');
      await proxy.close();
    }
  });
});
