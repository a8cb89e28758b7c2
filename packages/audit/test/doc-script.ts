// The standalone verification script of docs/auditors.md, extracted from the doc itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const doc = readFileSync(path.join(__dirname, '../../../docs/auditors.md'), 'utf8');
/** The script between the verify-script markers, or undefined when the doc lost it. */
export const docScript = /<!-- verify-script:start -->\s*```js\n([\s\S]*?)```\s*<!-- verify-script:end -->/.exec(doc)?.[1];

const dir = mkdtempSync(path.join(tmpdir(), 'audit-doc-'));
const scriptPath = path.join(dir, 'verify-export.mjs');
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
if (docScript) writeFileSync(scriptPath, docScript);

/**
 * Writes `json` to a file and runs the doc's script on it with plain node (no repo code).
 *
 * @example
 * runDocScript(formatAudit(audit, 'json'), KEY); // { code: 0, out: 'Complaint-…: OK (…)' }
 */
export const runDocScript = (json: string, key?: string): { code: number; out: string } => {
  if (!docScript) throw new Error('docs/auditors.md lost its verify-script block');
  const file = path.join(dir, `export-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, json);
  try {
    const out = execFileSync(process.execPath, [scriptPath, file], { env: { PATH: process.env.PATH ?? '', AUDIT_HMAC_KEY: key ?? '' }, encoding: 'utf8' });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
};
