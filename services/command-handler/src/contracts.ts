import { z } from 'zod';
import type { AnyAggregate } from '@cs/application';
import { Envelope, Reply } from '@cs/messaging';

/** One generated file of docs/contracts: its path below docs/contracts and its text. */
export type ContractFile = { path: string; text: string };

const json = (schema: z.ZodType, io: 'input' | 'output', title: string, description: string) =>
  `${JSON.stringify({ title, description, ...z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) }, null, 2)}\n`;

/**
 * Generates docs/contracts from the zod schemas: a JSON Schema per command (its payload), per
 * event (its data), the envelope and the reply, and a markdown catalogue.
 *
 * @example
 * for (const f of generateContracts(aggregates)) writeFileSync(`docs/contracts/${f.path}`, f.text);
 */
export const generateContracts = (aggregates: readonly AnyAggregate[]): ContractFile[] => {
  const files: ContractFile[] = [
    { path: 'envelope.schema.json', text: json(Envelope, 'input', 'Command envelope', 'What a sender publishes on cs.cmd.<type>.<service>.') },
    { path: 'reply.schema.json', text: json(Reply, 'output', 'Reply', 'The reply to every command: success or a coded error.') },
  ];
  const lines: string[] = [
    '# Contracts',
    '',
    'Generated from the zod schemas by `pnpm --filter @cs/command-handler contracts`; a test fails when',
    'these files are stale. Commands travel as the `payload` of the envelope',
    '([envelope.schema.json](envelope.schema.json)) on the subject `cs.cmd.<type>.<service>`; every',
    'reply follows [reply.schema.json](reply.schema.json).',
    '',
    'Error codes: `validation` (with field paths), `unknown_command`, `not_found`, `conflict_exhausted`,',
    '`idempotency_key_reused`, `unauthorized`, `payload_too_large`, `unavailable` (retry with the same',
    'command id), `internal`, and the domain rule codes listed in packages/domain/src/shared/errors.ts.',
    '',
  ];
  for (const aggregate of aggregates) {
    lines.push(`## ${aggregate.category}`, '', `Streams: \`${aggregate.category}-<id>\`.`, '', '### Commands', '', '| command | subject | description |', '|---|---|---|');
    for (const [type, def] of Object.entries(aggregate.commands) as [string, { schema: z.ZodType; description: string }][]) {
      files.push({ path: `commands/${type}.schema.json`, text: json(def.schema, 'input', type, def.description) });
      lines.push(`| [\`${type}\`](commands/${type}.schema.json) | \`cs.cmd.${type}.<service>\` | ${def.description.replace(/\|/g, '\\|')} |`);
    }
    lines.push('', '### Events', '', '| event | schema version | description |', '|---|---|---|');
    for (const [type, def] of Object.entries(aggregate.events) as [string, { schema: z.ZodType; schemaVersion: number; description: string }][]) {
      files.push({ path: `events/${type}.schema.json`, text: json(def.schema, 'output', type, `${def.description} (schema version ${def.schemaVersion})`) });
      lines.push(`| [\`${type}\`](events/${type}.schema.json) | ${def.schemaVersion} | ${def.description.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  files.push({ path: 'README.md', text: `${lines.join('\n')}\n` });
  return files;
};
