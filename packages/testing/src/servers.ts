import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A free TCP port on 127.0.0.1 (the OS picks it; another process could take it before use).
 *
 * @example
 * const port = await freePort();
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

export type OwnNatsServer = {
  url: string;
  port: number;
  /** Starts it again on the same port (after `stop`). */
  start: () => Promise<void>;
  /** SIGKILLs it. */
  stop: () => Promise<void>;
  /** Stops it and removes its JetStream directory. */
  cleanup: () => Promise<void>;
};

/**
 * Our own nats-server (/usr/sbin/nats-server) on a free port, restartable on the same port.
 * With `configPath` it runs that configuration (its passwords from `env`); without, a plain
 * server with JetStream. `CS_NATS_STORE_DIR` is set to a fresh temporary directory.
 *
 * @example
 * const nats = await ownNatsServer();
 * await nats.stop(); await nats.start(); // same URL
 * await nats.cleanup();
 */
export const ownNatsServer = async (options: { configPath?: string; env?: Record<string, string> } = {}): Promise<OwnNatsServer> => {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'cs-nats-'));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env, CS_NATS_STORE_DIR: storeDir };
  const args = options.configPath
    ? ['-c', options.configPath, '-a', '127.0.0.1', '-p', String(port)]
    : ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  let proc: ChildProcess | undefined;
  const start = async () => {
    const p = spawn('/usr/sbin/nats-server', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
      p.stderr?.on('data', (d: Buffer) => {
        log += String(d);
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      p.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${code}): ${log}`));
      });
    });
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    stop,
    cleanup: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
};

export type OwnPostgresCluster = {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  url: string;
  port: number;
  dir: string;
  start: () => Promise<void>;
  /** `pg_ctl stop -m immediate`: like a crash, no clean shutdown. */
  stopImmediate: () => Promise<void>;
  /** Stops it and removes its directory. */
  cleanup: () => Promise<void>;
};

const PG_BIN = process.env.CS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Runs a command as the `postgres` user when we are root (initdb refuses root), else as ourselves. */
const asPostgres = (cmd: string, args: string[]): string => {
  const root = process.getuid?.() === 0;
  return root
    ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    : execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
};

/**
 * A PostgreSQL cluster of our own (initdb in a temporary directory owned by `postgres`, trust
 * authentication, its own port and socket directory), for tests that stop and restart the
 * server. Needs PostgreSQL's binaries (`CS_PG_BIN`, default /usr/lib/postgresql/15/bin) and, as
 * root, `runuser` and a `postgres` user.
 *
 * @example
 * const pg = await ownPostgresCluster();
 * await pg.stopImmediate(); await pg.start();
 * await pg.cleanup();
 */
export const ownPostgresCluster = async (): Promise<OwnPostgresCluster> => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cs-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = async () => {
    asPostgres(`${PG_BIN}/pg_ctl`, [
      '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60',
      '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start',
    ]);
  };
  const stopImmediate = async () => {
    try {
      asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    stopImmediate,
    cleanup: async () => {
      await stopImmediate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
