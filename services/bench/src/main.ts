// `pnpm bench` [--smoke] [--out <dir>]: runs every figure with its raw baseline, prints the
// table and writes <out>/benchmarks.md and <out>/benchmarks.json (default: the repo's docs/
// for a full run, a temporary directory for a smoke run), keeping the replaced file's hand notes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBenchEnv } from './env.ts';
import { benchmarksMarkdown, carriedHandNotes, markdownTable } from './report.ts';
import { fullSizes, runBench, smokeSizes } from './run.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const outIndex = argv.indexOf('--out');
const unknown = argv.filter((a, i) => a !== '--smoke' && a !== '--out' && i !== outIndex + 1);
if (unknown.length > 0 || (outIndex >= 0 && !argv[outIndex + 1])) {
  console.error('usage: pnpm bench [--smoke] [--out <dir>]');
  process.exit(2);
}
const out = outIndex >= 0 ? resolve(argv[outIndex + 1]!) : smoke ? mkdtempSync(join(tmpdir(), 'cs-bench-')) : join(repoRoot, 'docs');

try {
  const env = readBenchEnv(process.env);
  const report = await runBench({
    mode: smoke ? 'smoke' : 'full',
    sizes: smoke ? smokeSizes : fullSizes,
    adminUrl: env.BENCH_ADMIN_URL,
    natsUrl: env.NATS_URL,
    repoRoot,
    cpuProfDir: env.BENCH_CPU_PROF_DIR,
    skipStart: smoke,
    log: (line) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`),
  });
  mkdirSync(out, { recursive: true });
  // The hand notes of the file this run replaces are kept, as notes on earlier runs.
  const markdownPath = join(out, 'benchmarks.md');
  const previous = existsSync(markdownPath) ? readFileSync(markdownPath, 'utf8') : '';
  writeFileSync(markdownPath, benchmarksMarkdown(report) + carriedHandNotes(previous));
  writeFileSync(join(out, 'benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(markdownTable(report.rows));
  console.log(`\nwritten: ${join(out, 'benchmarks.md')} and benchmarks.json`);
} catch (e) {
  console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
