import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockPgliteDataDir, openPgliteDataDir } from '../src/index.ts';

// PGlite takes no lock of its own: two processes on one directory corrupt it. These tests open
// a real PGlite directory from a child process and from this one.
const root = mkdtempSync(join(tmpdir(), 'cs-pglite-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const child = fileURLToPath(new URL('./pglite-data-dir-child.ts', import.meta.url));
const openInChild = async (dir: string): Promise<{ proc: ChildProcess; exited: Promise<number | null> }> => {
  const proc = fork(child, [dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    proc.once('message', () => resolve());
    void exited.then((code) => reject(new Error(`child exited ${code} before opening`)));
  });
  return { proc, exited };
};

describe('one process at a time on a PGlite data directory', () => {
  it('refuses a second process while the first is alive, naming it; takes over once it is killed, with its data intact', async () => {
    const dir = join(root, 'a', 'pglite');
    const holder = await openInChild(dir);
    const refused = await openPgliteDataDir(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as DataDirInUseError).holder?.pid).toBe(holder.proc.pid);
    expect((refused as Error).message).toContain(`in use by process ${holder.proc.pid}`);
    expect((refused as DataDirInUseError).code).toBe('unavailable');

    holder.proc.kill('SIGKILL');
    await holder.exited;
    expect(existsSync(`${dir}.lock`)).toBe(true); // a killed process leaves its file behind
    const db = await openPgliteDataDir(dir);
    try {
      expect((await db.pglite.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n).toBe(1);
      expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('a process that closes releases the directory for the next one', async () => {
    const dir = join(root, 'b', 'pglite');
    const first = await openInChild(dir);
    first.proc.send('close');
    expect(await first.exited).toBe(0);
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const db = await openPgliteDataDir(dir);
    await db.close();
  });

  it('refuses a second open in the same process until the first is closed', async () => {
    const dir = join(root, 'c', 'pglite');
    const db = await openPgliteDataDir(dir);
    await expect(openPgliteDataDir(dir)).rejects.toBeInstanceOf(DataDirInUseError);
    await db.close();
    const again = await openPgliteDataDir(dir);
    await again.close();
  });

  it('never removes a lock it does not own, and refuses an unreadable one rather than guess', () => {
    const dir = join(root, 'd', 'pglite');
    const lock = lockPgliteDataDir(dir);
    // someone deleted our file and another opener took it: our release must leave theirs
    const theirs = JSON.stringify({ pid: process.ppid, host: 'elsewhere', token: 'theirs', since: 'now' });
    writeFileSync(lock.lockFile, theirs);
    lock.release();
    expect(readFileSync(lock.lockFile, 'utf8')).toBe(theirs);
    // a lock from another host cannot be checked for liveness: refused
    expect(() => lockPgliteDataDir(dir)).toThrow(/in use by process .* on elsewhere/);
    writeFileSync(lock.lockFile, '');
    expect(() => lockPgliteDataDir(dir)).toThrow(DataDirInUseError);
    rmSync(lock.lockFile);
    lockPgliteDataDir(dir).release();
    expect(existsSync(lock.lockFile)).toBe(false);
  });

  it('a failed open releases the lock', async () => {
    const dir = join(root, 'e', 'pglite');
    mkdirSync(join(root, 'e'), { recursive: true });
    writeFileSync(dir, 'not a directory'); // PGlite cannot open a file as its directory
    await expect(openPgliteDataDir(dir)).rejects.toThrow();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});
