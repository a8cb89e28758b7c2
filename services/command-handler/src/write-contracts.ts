// `pnpm --filter @cs/command-handler contracts`: (re)writes docs/contracts from the zod schemas.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregates } from '@cs/domain';
import { generateContracts } from './contracts.ts';

/** Where the generated contracts live (docs/contracts at the repository root). */
export const CONTRACTS_DIR = fileURLToPath(new URL('../../../docs/contracts/', import.meta.url));

/**
 * Lists the files below `dir` (relative paths, `/`-separated).
 *
 * @example
 * listFiles(CONTRACTS_DIR); // ['README.md', 'commands/order.place.schema.json', ...]
 */
export const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
};

const main = () => {
  const files = generateContracts(aggregates);
  const wanted = new Set(files.map((f) => f.path));
  for (const stale of listFiles(CONTRACTS_DIR)) if (!wanted.has(stale)) rmSync(join(CONTRACTS_DIR, stale));
  for (const f of files) {
    mkdirSync(dirname(join(CONTRACTS_DIR, f.path)), { recursive: true });
    writeFileSync(join(CONTRACTS_DIR, f.path), f.text);
  }
  console.log(`wrote ${files.length} files to ${CONTRACTS_DIR}`);
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
