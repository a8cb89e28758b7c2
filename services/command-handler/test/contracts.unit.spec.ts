import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregates } from '@cs/domain';
import { describe, expect, it } from 'vitest';
import { generateContracts } from '../src/contracts.ts';
import { CONTRACTS_DIR, listFiles } from '../src/write-contracts.ts';

describe('docs/contracts is generated from the zod schemas and up to date', () => {
  const files = generateContracts(aggregates);

  it('every generated file is on disk with the same text (run `pnpm --filter @cs/command-handler contracts` when this fails)', () => {
    for (const f of files) expect(readFileSync(join(CONTRACTS_DIR, f.path), 'utf8'), f.path).toBe(f.text);
  });

  it('no stale file is left on disk', () => {
    expect(listFiles(CONTRACTS_DIR)).toEqual(files.map((f) => f.path).sort());
  });

  it('one schema per command and per event of every aggregate, the envelope, the reply and the catalogue', () => {
    const commands = aggregates.flatMap((a) => Object.keys(a.commands));
    const events = aggregates.flatMap((a) => Object.keys(a.events));
    expect(files.length).toBe(commands.length + events.length + 3);
    const readme = files.find((f) => f.path === 'README.md')!.text;
    for (const c of commands) expect(readme).toContain(`\`${c}\``);
    const accept = JSON.parse(files.find((f) => f.path === 'commands/order.accept.schema.json')!.text) as { required: string[] };
    expect(accept.required).toEqual(['orderId', 'occurredAt']);
  });
});
