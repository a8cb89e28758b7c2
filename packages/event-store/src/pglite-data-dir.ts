// One process at a time on an embedded PGlite data directory. PGlite is PostgreSQL in
// single-user mode and takes no lock of its own on the Node file system (the postmaster.pid it
// writes holds -42): two processes that open the same directory both succeed, both write, and
// the directory is left unreadable (electric-sql/pglite#1106, #709). So every opener here takes
// `<dir>.lock` first, a file created exclusively that names its process, as postmaster.pid
// does for a server.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { EventStoreError } from './errors.ts';

/** What a lock file holds. */
type LockRecord = { pid: number; host: string; token: string; since: string };

/** The data directory is open in another process (or another instance of this one). */
export class DataDirInUseError extends EventStoreError {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    readonly holder: { pid: number; host: string; since: string } | undefined,
  ) {
    super(
      'unavailable',
      holder
        ? `the embedded database ${dir} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}); PGlite allows one process at a time: stop it, or use PostgreSQL (DATABASE_URL) for several processes. If that process is gone, delete ${lockFile}`
        : `the embedded database ${dir} is being locked by another process (${lockFile}); try again, or delete that file if no process uses the directory`,
    );
  }
}

/** A held data-directory lock. `release` is idempotent. */
export type DataDirLock = { readonly lockFile: string; release: () => void };

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is someone else's
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readRecord = (file: string): LockRecord | 'missing' | 'unreadable' => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  try {
    const r = JSON.parse(text) as Partial<LockRecord>;
    return typeof r.pid === 'number' && typeof r.host === 'string' && typeof r.token === 'string' ? { pid: r.pid, host: r.host, token: r.token, since: String(r.since) } : 'unreadable';
  } catch {
    return 'unreadable';
  }
};

/** Locks held by this process, so that exit releases them and a second open here is refused. */
const held = new Map<string, string>();
let exitHook = false;

/**
 * Takes the lock of PGlite data directory `dir` (the file `<dir>.lock` beside it), or throws
 * DataDirInUseError naming the live process that holds it. A lock left by a process that is
 * gone (same host) is taken over; a live holder's never is. Released by `release()` and, at the
 * latest, when this process exits; a killed process leaves a stale file the next opener takes
 * over.
 *
 * @example
 * const lock = lockPgliteDataDir('.data/pglite'); // before deleting or opening it
 * try { ... } finally { lock.release(); }
 */
export const lockPgliteDataDir = (dir: string): DataDirLock => {
  const lockFile = `${dir}.lock`;
  mkdirSync(dirname(lockFile), { recursive: true });
  const mine: LockRecord = { pid: process.pid, host: hostname(), token: randomUUID(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(lockFile, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = readRecord(lockFile);
    if (other === 'missing') continue; // released meanwhile
    // A file being written this instant reads empty; a few tries before giving up on it.
    if (other === 'unreadable' || attempt >= 5) throw new DataDirInUseError(dir, lockFile, other === 'unreadable' ? undefined : other);
    if (other.host !== hostname() || alive(other.pid)) throw new DataDirInUseError(dir, lockFile, other);
    // Stale: move it aside under a name of our own, and make sure it was the stale one we read
    // (another opener may have taken it over and written its own between our read and rename).
    const aside = `${lockFile}.${mine.token}`;
    try {
      renameSync(lockFile, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = readRecord(aside);
    if (moved !== 'missing' && moved !== 'unreadable' && moved.token !== other.token) {
      // a live lock: put it back (link fails if yet another one was created meanwhile)
      try {
        linkSync(aside, lockFile);
      } catch {
        /* the newer one stays */
      }
    }
    unlinkSync(aside);
  }
  held.set(lockFile, mine.token);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const [file, token] of held) releaseFile(file, token);
    });
  }
  return {
    lockFile,
    release: () => {
      if (held.get(lockFile) !== mine.token) return;
      held.delete(lockFile);
      releaseFile(lockFile, mine.token);
    },
  };
};

// Removes the file only while it is still ours.
const releaseFile = (file: string, token: string): void => {
  const r = readRecord(file);
  if (r !== 'missing' && r !== 'unreadable' && r.token === token) {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
};

/** An embedded database opened under its data-directory lock; `close` closes it and releases the lock. */
export type PgliteDataDir = { pglite: PGlite; dir: string; close: () => Promise<void> };

/**
 * Opens the PGlite database in directory `dir` (created if missing, its parent too) after taking its lock:
 * throws DataDirInUseError while another process (or another open here) has it. Use this, not
 * `PGlite.create(dir)`, for every persistent directory. With `heldLock` (from
 * lockPgliteDataDir), opens under that lock and leaves its release to the caller.
 *
 * @example
 * const { pglite, close } = await openPgliteDataDir('.data/pglite', { relaxedDurability: true });
 */
export const openPgliteDataDir = async (dir: string, options: PGliteOptions = {}, heldLock?: DataDirLock): Promise<PgliteDataDir> => {
  // A lock the caller took (to delete the directory first, say) stays the caller's to release.
  const lock = heldLock ?? lockPgliteDataDir(dir);
  const release = () => {
    if (!heldLock) lock.release();
  };
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir, options);
  } catch (e) {
    release();
    throw e;
  }
  return {
    pglite,
    dir,
    close: async () => {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
};
