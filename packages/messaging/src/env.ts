import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { z } from 'zod';
import { MessagingError } from './errors.ts';

const natsUrl = z
  .string()
  .trim()
  .regex(/^(nats|tls|ws|wss):\/\/[^\s,]+$/, 'expected nats://host:port (or tls://, ws://, wss://)');

/**
 * Every NATS setting a service reads from its environment, in one schema: server URLs, and at
 * most ONE way to authenticate (user + password, token, creds file, or nkey seed file).
 */
export const NatsEnv = z
  .object({
    NATS_URL: z
      .string()
      .default('nats://127.0.0.1:4222')
      .transform((s) => s.split(',').map((u) => u.trim()).filter((u) => u !== ''))
      .pipe(z.array(natsUrl).min(1, 'at least one server URL')),
    NATS_USER: z.string().min(1).optional(),
    NATS_PASSWORD: z.string().min(1).optional(),
    NATS_TOKEN: z.string().min(1).optional(),
    NATS_CREDS: z.string().min(1).optional(),
    NATS_NKEY: z.string().min(1).optional(),
    NATS_NAME: z.string().min(1).max(100).optional(),
    /** Reply subjects live under this prefix; NATS permissions may grant each service only its own. */
    NATS_INBOX_PREFIX: z
      .string()
      .regex(/^_INBOX(\.[A-Za-z0-9_-]+)*$/, 'expected _INBOX or _INBOX.<service>')
      .optional(),
    NATS_RECONNECT_WAIT_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    NATS_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  })
  .superRefine((env, ctx) => {
    if ((env.NATS_USER === undefined) !== (env.NATS_PASSWORD === undefined))
      ctx.addIssue({ code: 'custom', path: [env.NATS_USER ? 'NATS_PASSWORD' : 'NATS_USER'], message: 'NATS_USER and NATS_PASSWORD go together' });
    const methods = [env.NATS_USER, env.NATS_TOKEN, env.NATS_CREDS, env.NATS_NKEY].filter((v) => v !== undefined);
    if (methods.length > 1)
      ctx.addIssue({ code: 'custom', path: [], message: 'choose one of NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_NKEY' });
  });
export type NatsEnv = z.infer<typeof NatsEnv>;

/**
 * Reads and validates the NATS settings from the environment and returns connection options
 * that reconnect forever (`maxReconnectAttempts: -1`) and wait for the first server, without
 * nats.js's per-request async stack traces (`noAsyncTraces`: two `Error` objects captured for
 * every request, a tenth of a command's client-side CPU; our callers turn request failures into
 * coded replies and never show those stacks). Files
 * (creds, nkey seed) are read here. Bad settings throw `MessagingError('invalid_config')`
 * naming the variables, never their secret values.
 *
 * @example
 * // services/command-handler/src/env.ts
 * const nc = await connect(natsConnectionOptionsFromEnv(process.env));
 */
export const natsConnectionOptionsFromEnv = (env: Record<string, string | undefined> = process.env): ConnectionOptions => {
  const parsed = NatsEnv.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(env)', message: i.message }));
    throw new MessagingError('invalid_config', `invalid NATS settings: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
  }
  const e = parsed.data;
  const options: ConnectionOptions = {
    servers: e.NATS_URL,
    maxReconnectAttempts: -1,
    reconnectTimeWait: e.NATS_RECONNECT_WAIT_MS,
    waitOnFirstConnect: true,
    timeout: e.NATS_CONNECT_TIMEOUT_MS,
    noAsyncTraces: true,
    ...(e.NATS_NAME ? { name: e.NATS_NAME } : {}),
    ...(e.NATS_INBOX_PREFIX ? { inboxPrefix: e.NATS_INBOX_PREFIX } : {}),
  };
  if (e.NATS_USER !== undefined) return { ...options, user: e.NATS_USER, pass: e.NATS_PASSWORD };
  if (e.NATS_TOKEN !== undefined) return { ...options, token: e.NATS_TOKEN };
  if (e.NATS_CREDS !== undefined) return { ...options, authenticator: credsAuthenticator(readSecretFile('NATS_CREDS', e.NATS_CREDS)) };
  if (e.NATS_NKEY !== undefined) {
    const seed = new TextDecoder().decode(readSecretFile('NATS_NKEY', e.NATS_NKEY)).trim();
    if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new MessagingError('invalid_config', 'NATS_NKEY: file does not hold a user nkey seed (SU...)', [{ path: 'NATS_NKEY', message: 'not a user nkey seed' }]);
    return { ...options, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) };
  }
  return options;
};

const readSecretFile = (variable: string, path: string): Uint8Array => {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new MessagingError('invalid_config', `${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, [
      { path: variable, message: 'file not readable' },
    ]);
  }
};

/**
 * Connects and logs the connection's life (disconnects, reconnects, errors) until it closes.
 *
 * @example
 * const nc = await connectNats(natsConnectionOptionsFromEnv(), logger);
 */
export const connectNats = async (options: ConnectionOptions, logger?: Logger): Promise<NatsConnection> => {
  const nc = await connect(options);
  if (logger) {
    logger.info({ server: nc.getServer() }, 'connected to NATS');
    void (async () => {
      for await (const s of nc.status()) {
        const data = typeof s.data === 'string' || typeof s.data === 'number' ? s.data : undefined;
        if (s.type === 'error') logger.error({ status: s.type, data: String(s.data) }, 'NATS error');
        else logger.info({ status: s.type, data }, 'NATS connection status');
      }
    })();
  }
  return nc;
};
