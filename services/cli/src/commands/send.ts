import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { aggregates, type CommandDefinition } from '@cs/domain';
import { connect } from 'nats';
import { CommandId, EnvelopeMetadata, natsConnectionOptionsFromEnv, parseUntrustedJson, sendCommand, ServiceName, type Reply } from '@cs/messaging';
import { z } from 'zod';

export const sendUsage = `cs send <command> --json <file|-> [options]

Sends one command to the command handler over NATS and prints the reply.

Options:
  --json <file|->          the command's data (its payload) as JSON; '-' reads stdin
  --id <command id>        the idempotency key (default: a new UUID; reuse it to retry safely)
  --person <name>          the person acting, recorded with the service
  --correlation-id <id>    ties the command to others
  --service <name>         the sending service (default $CS_SERVICE or $NATS_USER)
  --timeout <ms>           per attempt (default 5000; timeouts are retried with the same id)
  -h, --help               this text and the list of commands; with a command: its fields

Environment: NATS_URL, NATS_USER/NATS_PASSWORD (or NATS_TOKEN, NATS_CREDS, NATS_NKEY),
NATS_INBOX_PREFIX, CS_SERVICE.
Exit code: 0 applied, 3 refused by the handler, 2 bad input, 1 NATS or other trouble.`;

type Catalogue = Map<string, CommandDefinition>;

/** Everything `cs send` touches, so that tests can run it without a terminal. */
export type SendDeps = {
  catalogue: Catalogue;
  /** Reads a file, or stdin for '-'. */
  readInput: (path: string) => Promise<string>;
  send: (command: { type: string; payload: Record<string, unknown>; commandId: string; service: string; person?: string; correlationId?: string; timeoutMs?: number }) => Promise<Reply>;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
};

/**
 * The command catalogue of the domain: every command type with its schema and description.
 *
 * @example
 * domainCatalogue().get('order.place')?.description;
 */
export const domainCatalogue = (): Catalogue => {
  const map: Catalogue = new Map();
  for (const a of aggregates) for (const [type, def] of Object.entries(a.commands)) map.set(type, def as CommandDefinition);
  return map;
};

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; const?: unknown; format?: string };

const typeName = (s: JsonSchema): string => {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf ?? s.oneOf) return (s.anyOf ?? s.oneOf ?? []).map(typeName).join(' | ');
  if (s.type === 'array') return `${s.items ? typeName(s.items) : 'any'}[]`;
  if (s.type === 'object' && s.properties) return `{ ${Object.keys(s.properties).join(', ')} }`;
  if (s.format) return `${String(s.type)} (${s.format})`;
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
};

/**
 * The fields of one command, one per line: name, type, required or optional.
 *
 * @example
 * describeFields(domainCatalogue().get('order.accept')!); // ['  orderId      string  required', ...]
 */
export const describeFields = (def: CommandDefinition): string[] => {
  const schema = z.toJSONSchema(def.schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const props = Object.entries(schema.properties ?? {});
  const width = Math.max(0, ...props.map(([k]) => k.length));
  return props.map(([k, v]) => `  ${k.padEnd(width)}  ${(schema.required ?? []).includes(k) ? 'required' : 'optional'}  ${typeName(v)}`);
};

const listCommands = (catalogue: Catalogue): string => {
  const width = Math.max(...[...catalogue.keys()].map((k) => k.length));
  return [...catalogue.entries()].map(([type, def]) => `  ${type.padEnd(width)}  ${def.description}`).join('\n');
};

const closest = (word: string, candidates: string[]): string | undefined =>
  candidates.find((c) => c.toLowerCase() === word.toLowerCase()) ??
  candidates.find((c) => c.toLowerCase().startsWith(word.toLowerCase().split('.')[0] ?? '') && c.toLowerCase().includes((word.split('.')[1] ?? '').toLowerCase()));

/**
 * `cs send`: parses the arguments, validates the data locally against the command's schema
 * (field paths in the message), sends it, prints the reply. Returns the exit code.
 *
 * @example
 * const code = await sendCommandLine(['order.accept', '--json', 'accept.json'], deps);
 */
export const sendCommandLine = async (argv: string[], deps: SendDeps): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'string' },
        id: { type: 'string' },
        person: { type: 'string' },
        'correlation-id': { type: 'string' },
        service: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    deps.err(`cs send: ${(e as Error).message}\n\n${sendUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [type, ...extra] = positionals;
  if (values.help && !type) {
    deps.out(`${sendUsage}\n\nCommands:\n${listCommands(deps.catalogue)}`);
    return 0;
  }
  if (!type) {
    deps.err(`cs send: which command? (cs send --help lists them)\n\n${sendUsage}`);
    return 2;
  }
  if (extra.length > 0) {
    deps.err(`cs send: unexpected argument '${extra[0]}'`);
    return 2;
  }
  const def = deps.catalogue.get(type);
  if (!def) {
    const hint = closest(type, [...deps.catalogue.keys()]);
    deps.err(`cs send: unknown command '${type}'${hint ? ` (did you mean '${hint}'?)` : ''}; cs send --help lists the commands`);
    return 2;
  }
  if (values.help) {
    deps.out(`cs send ${type} --json <file|->\n\n${def.description}\n\nFields:\n${describeFields(def).join('\n')}`);
    return 0;
  }
  if (values.json === undefined) {
    deps.err(`cs send ${type}: --json <file|-> is required (the command's data); cs send ${type} --help lists its fields`);
    return 2;
  }
  const service = values.service ?? deps.env.CS_SERVICE ?? deps.env.NATS_USER;
  if (!service) {
    deps.err('cs send: which service sends? give --service or set CS_SERVICE (or NATS_USER)');
    return 2;
  }
  // What the envelope does not allow is refused before sending (validation): bad input, not a refusal by the handler.
  const badFlag = (flag: string, value: string, check: { success: boolean; error?: { issues: { message: string }[] } }): boolean => {
    if (check.success) return false;
    deps.err(`cs send: ${flag} '${value.length > 40 ? `${value.slice(0, 40)}...` : value}' is not allowed: ${check.error?.issues.map((i) => i.message).join('; ')}`);
    return true;
  };
  if (badFlag(values.service !== undefined ? '--service' : deps.env.CS_SERVICE !== undefined ? '--service (from CS_SERVICE)' : '--service (from NATS_USER)', service, ServiceName.safeParse(service))) return 2;
  if (values.id !== undefined && badFlag('--id', values.id, CommandId.safeParse(values.id))) return 2;
  if (values.person && badFlag('--person', values.person, EnvelopeMetadata.shape.person.safeParse(values.person))) return 2;
  const correlationId = values['correlation-id'];
  if (correlationId && badFlag('--correlation-id', correlationId, EnvelopeMetadata.shape.correlationId.safeParse(correlationId))) return 2;
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
      deps.err(`cs send: --timeout must be a whole number of milliseconds (1..600000), not '${values.timeout}'`);
      return 2;
    }
  }
  let text: string;
  try {
    text = await deps.readInput(values.json);
  } catch (e) {
    deps.err(`cs send: cannot read ${values.json === '-' ? 'stdin' : values.json}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 2;
  }
  const json = parseUntrustedJson(new TextEncoder().encode(text), { maxBytes: 1024 * 1024, maxDepth: 32 });
  if (!json.ok) {
    deps.err(`cs send: ${values.json === '-' ? 'stdin' : values.json} is not usable JSON: ${json.message}`);
    return 2;
  }
  if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
    deps.err(`cs send: the data must be a JSON object (the fields of ${type}); cs send ${type} --help lists them`);
    return 2;
  }
  const checked = (def.schema as z.ZodType).safeParse(json.value);
  if (!checked.success) {
    const lines = checked.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(data)'}: ${i.message}`);
    deps.err(`cs send ${type}: the data is not valid:\n${lines.join('\n')}`);
    return 2;
  }
  const commandId = values.id ?? randomUUID();
  const reply = await deps.send({
    type,
    payload: json.value as Record<string, unknown>,
    commandId,
    service,
    ...(values.person !== undefined ? { person: values.person } : {}),
    ...(values['correlation-id'] !== undefined ? { correlationId: values['correlation-id'] } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  if (reply.ok) {
    deps.out(
      `${reply.duplicate ? 'already applied (duplicate of an earlier send)' : 'applied'}: ${reply.streamId} now at version ${reply.version}` +
        `${reply.eventTypes.length ? `, events ${reply.eventTypes.join(', ')}` : ', no new events'}\ncommand id ${reply.commandId}`,
    );
    return 0;
  }
  const fields = reply.error.fields?.map((f) => `\n  ${f.path}: ${f.message}`).join('') ?? '';
  deps.err(`refused: ${reply.error.code}: ${reply.error.message}${fields}\ncommand id ${reply.commandId ?? commandId}`);
  const transport = ['unavailable', 'internal', 'unauthorized', 'payload_too_large'].includes(reply.error.code);
  if (reply.error.code === 'unavailable') deps.err(`retry with: --id ${reply.commandId ?? commandId}`);
  return transport ? 1 : 3;
};

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * `cs send` from the command line: NATS settings from the environment.
 *
 * @example
 * process.exit(await run(['order.accept', '--json', '-']));
 */
export const run = async (argv: string[]): Promise<number> => {
  const out = (t: string): void => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
  const err = (t: string): void => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    return await sendCommandLine(argv, {
      catalogue: domainCatalogue(),
      env: process.env,
      out,
      err,
      readInput: async (path) => (path === '-' ? readStdin() : readFileSync(path, 'utf8')),
      send: async (c) => {
        try {
          // a command line gives up instead of waiting forever for a server
          nc ??= await connect({ ...natsConnectionOptionsFromEnv(process.env), waitOnFirstConnect: false, maxReconnectAttempts: 2 });
        } catch (e) {
          return { ok: false, commandId: c.commandId, error: { code: 'unavailable', message: `cannot connect to NATS: ${(e as Error).message}` } };
        }
        return sendCommand(nc, {
          type: c.type,
          service: c.service,
          payload: c.payload,
          commandId: c.commandId,
          metadata: { ...(c.person ? { person: c.person } : {}), ...(c.correlationId ? { correlationId: c.correlationId } : {}) },
          ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
        });
      },
    });
  } finally {
    await nc?.close().catch(() => undefined);
  }
};
