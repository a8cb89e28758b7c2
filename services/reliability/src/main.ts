// `pnpm reliability [-- --short] [--only <name>,<name>] [--write]`: runs the reliability and
// security scenarios, prints the table and (full sizes, or with --write) writes docs/reliability.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suiteLimits } from './limits.ts';
import { markdownReport, textTable } from './report.ts';
import { passed } from './support.ts';
import { runSuite } from './suite.ts';

const args = process.argv.slice(2);
const short = args.includes('--short');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : [];
const write = !short || args.includes('--write');
const startedAt = new Date();
const results = await runSuite({ short, only, log: (m) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`) });
console.log(`\n${textTable(results)}\n`);
for (const r of results) {
  for (const n of r.notes) console.log(`  ${r.name}: ${n}`);
  for (const p of r.problems.slice(0, 10)) console.log(`  ${r.name}: PROBLEM ${p}`);
}
if (write) {
  const path = fileURLToPath(new URL('../../../docs/reliability.md', import.meta.url));
  writeFileSync(path, markdownReport(results, { short, startedAt, limits: [...suiteLimits] }));
  console.log(`\nwritten to ${path}`);
}
process.exit(results.every(passed) ? 0 : 1);
