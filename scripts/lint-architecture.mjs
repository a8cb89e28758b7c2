// Architecture lint: fails on circular imports (between packages and between files), on
// packages/domain importing anything but zod and ts-pattern, on anything depending on a
// service, and on deep imports into another package's files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const tops = ['packages', 'services', 'projections'];
const pkgs = new Map(); // name -> { dir, deps }
for (const top of tops) {
  if (!existsSync(top)) continue;
  for (const d of readdirSync(top)) {
    const f = path.join(top, d, 'package.json');
    if (!existsSync(f)) continue;
    const pj = JSON.parse(readFileSync(f, 'utf8'));
    const deps = Object.keys({ ...pj.dependencies, ...pj.devDependencies }).filter((n) => n.startsWith('@cs/'));
    pkgs.set(pj.name, { dir: path.join(top, d), top, deps });
  }
}
const errors = [];

// 1. package graph: no cycles, nothing depends on a service
const visit = (name, stack, seen) => {
  if (stack.includes(name)) return errors.push(`package cycle: ${[...stack.slice(stack.indexOf(name)), name].join(' -> ')}`);
  if (seen.has(name)) return;
  seen.add(name);
  for (const dep of pkgs.get(name)?.deps ?? []) visit(dep, [...stack, name], seen);
};
const seen = new Set();
for (const name of pkgs.keys()) visit(name, [], seen);
for (const [name, p] of pkgs) for (const dep of p.deps) {
  if (!pkgs.has(dep)) errors.push(`${name} depends on unknown workspace package ${dep}`);
  else if (pkgs.get(dep).top === 'services') errors.push(`${name} depends on the service ${dep}: nothing may depend on a service`);
}

// 2. files: imports
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mts)$/.test(e) && !e.endsWith('.d.ts')) files.push(p);
  }
};
for (const p of pkgs.values()) if (existsSync(path.join(p.dir, 'src'))) walk(path.join(p.dir, 'src'));
const importRe = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const dynRe = /import\(\s*['"]([^'"]+)['"]\s*\)/g;
const graph = new Map();
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  const specs = [...src.matchAll(importRe), ...src.matchAll(dynRe)].map((m) => m[1]);
  const local = [];
  for (const s of specs) {
    if (f.startsWith('packages/domain/') && !f.includes('.spec.')) {
      const ok = s.startsWith('.') || s === 'zod' || s === 'ts-pattern';
      if (!ok) errors.push(`${f}: packages/domain may import only zod and ts-pattern, not '${s}'`);
    }
    if (/^@cs\/[^/]+\/.+/.test(s)) errors.push(`${f}: deep import '${s}' (use the package's index)`);
    if (s.startsWith('.')) {
      const target = path.normalize(path.join(path.dirname(f), s));
      if (!target.startsWith(path.dirname(f).split(path.sep).slice(0, 2).join(path.sep)))
        errors.push(`${f}: relative import '${s}' leaves its package`);
      local.push(target);
    }
  }
  graph.set(f, local);
}
// file-level cycles (Tarjan-free DFS with colours)
const colour = new Map();
const dfs = (f, stack) => {
  colour.set(f, 1);
  for (const t of graph.get(f) ?? []) {
    if (!graph.has(t)) continue;
    if (colour.get(t) === 1) errors.push(`import cycle: ${[...stack.slice(stack.indexOf(t)), t].join(' -> ')}`);
    else if (!colour.get(t)) dfs(t, [...stack, t]);
  }
  colour.set(f, 2);
};
for (const f of graph.keys()) if (!colour.get(f)) dfs(f, [f]);

if (errors.length) {
  console.error(`architecture lint: ${errors.length} problem(s)`);
  for (const e of errors) console.error(`  - ${e}`);
  process.exit(1);
}
console.log(`architecture lint: ${pkgs.size} packages, ${files.length} files, no cycles, boundaries kept`);
