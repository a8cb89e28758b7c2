// `pnpm bench` [--smoke] [--out <dir>]: runs every figure with its raw baseline, prints the
// table and writes <out>/benchmarks.md and <out>/benchmarks.json (default: the repo's docs/
// for a full run, a temporary directory for a smoke run), keeping the replaced file's hand notes.
// `pnpm bench --render` [--out <dir>] measures nothing: it writes <out>/benchmarks.md again from
// <out>/benchmarks.json with today's causes (for causes edited while a run went), its hand
// notes kept as they are.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBenchEnv } from './env.ts';
import { benchmarksMarkdown, type BenchReport, carriedHandNotes, handNotes, markdownTable } from './report.ts';
import { fullSizes, runBench, smokeSizes, withCurrentCauses } from './run.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// `pnpm run bench -- --smoke` passes the `--` through: it separates nothing here.
const argv = process.argv.slice(2).filter((a) => a !== '--');
const smoke = argv.includes('--smoke');
const render = argv.includes('--render');
const outIndex = argv.indexOf('--out');
const unknown = argv.filter((a, i) => a !== '--smoke' && a !== '--render' && a !== '--out' && (outIndex < 0 || i !== outIndex + 1));
if (unknown.length > 0 || (outIndex >= 0 && !argv[outIndex + 1]) || (smoke && render)) {
  console.error('usage: pnpm bench [--smoke] [--out <dir>] | pnpm bench --render [--out <dir>]');
  process.exit(2);
}
const out = outIndex >= 0 ? resolve(argv[outIndex + 1]!) : smoke ? mkdtempSync(join(tmpdir(), 'cs-bench-')) : join(repoRoot, 'docs');

if (render) {
  const markdownPath = join(out, 'benchmarks.md');
  const jsonPath = join(out, 'benchmarks.json');
  if (!existsSync(jsonPath)) {
    console.error(`bench --render: no ${jsonPath} to render`);
    process.exit(1);
  }
  const report = withCurrentCauses(JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchReport);
  const current = existsSync(markdownPath) ? readFileSync(markdownPath, 'utf8') : '';
  writeFileSync(markdownPath, benchmarksMarkdown(report) + handNotes(current));
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`rendered again with today's causes: ${markdownPath} and benchmarks.json (figures unchanged)`);
  process.exit(0);
}

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
