// The whole test suite: preflight, then lint, typecheck and every package's tests one package
// at a time, then one closing line that adds up every package's vitest JSON report.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

if (run('node', ['scripts/preflight.mjs']) !== 0) process.exit(2);
/** Every workspace package's directory. */
const packageDirs = () => ['packages', 'services', 'projections'].flatMap((top) => readdirSync(top).map((d) => `${top}/${d}`));
const reports = () => packageDirs().map((d) => `${d}/test-results.json`).filter((f) => existsSync(f));
for (const f of reports()) rmSync(f);

const lint = run('node', ['scripts/lint-architecture.mjs']);
const turbo = run('pnpm', ['exec', 'turbo', 'run', 'typecheck', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)]);

let passed = 0, failed = 0, skipped = 0;
for (const f of reports()) {
  const r = JSON.parse(readFileSync(f, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  // A file that failed outside its tests (a failing beforeAll, an import error) reports its
  // tests as skipped: it counts as one failure, never as skips alone.
  for (const t of r.testResults ?? []) if (t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')) failed += 1;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
// A package whose tests never reported (turbo interrupted, a crash before vitest wrote its
// report) is a failure, not silence: the whole suite (no arguments) must hear from every one.
const packagesWithTests = packageDirs().filter((d) => existsSync(`${d}/package.json`) && JSON.parse(readFileSync(`${d}/package.json`, 'utf8')).scripts?.test);
const silent = process.argv.length > 2 ? [] : packagesWithTests.filter((d) => !existsSync(`${d}/test-results.json`));
if (silent.length > 0) console.log(`No test report from: ${silent.join(', ')} (their tests did not run to the end)`);
failed += silent.length;
if (skipped > 0) console.log(`(${skipped} skipped tests are not counted as passed; see each package's output for why)`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(lint !== 0 || turbo !== 0 || failed > 0 ? 1 : passed === 0 ? 1 : 0);
