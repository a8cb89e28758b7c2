import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the projector child reports. */
export type RebuildResult = {
  events: number;
  ms: number;
  /** Of `ms`, the time in the projection's settle. */
  settleMs: number;
  /** Point samples at the requested event counts. */
  rss: { events: number; rssMb: number }[];
  finalRssMb: number;
  /** The largest of the RSS samples (every 50 ms) of the whole run. */
  maxRssMb: number;
  /** The largest sample while the first `rssAt` events were read, and while the last as many were (through the settle). */
  earlyPeakMb: number;
  latePeakMb: number;
  samples: number;
  /** The heap in use after a full collection at the first requested count and at the end (null without --expose-gc). */
  liveHeap: { events: number; heapMb: number | null }[];
  /** The projector's CPU time (user + system, all its threads) over `ms`. */
  cpuMs: number;
};

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Rebuilds the KPI projection from the start of the store in a child process (the projector
 * alone, so its RSS means something); `cpuProfDir` writes a V8 CPU profile of it there.
 *
 * @example
 * const r = await rebuildKpi({ url, schema: 'event_store', rssAt: [100_000], batchSize: 500 });
 */
export const rebuildKpi = (args: { url: string; schema: string; rssAt: number[]; batchSize: number; cpuProfDir?: string | undefined }): Promise<RebuildResult> =>
  new Promise((resolve, reject) => {
    const flags = ['--expose-gc', '--import', 'tsx', ...(args.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProfDir}`] : [])];
    const child = spawn(process.execPath, [...flags, join(here, 'rebuild-child.ts'), JSON.stringify(args)], { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`the projector child exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(line) as RebuildResult);
      } catch {
        reject(new Error(`the projector child printed no result: ${out.slice(-500)} ${err.slice(-1000)}`));
      }
    });
  });
