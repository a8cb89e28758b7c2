import { natsConnectionOptionsFromEnv } from '@cs/messaging';
import { z } from 'zod';

/** Every setting of the command handler, read and validated here and nowhere else. */
const Env = z
  .object({
    EVENT_STORE: z.enum(['pglite', 'postgres', 'eventstoredb']).optional(),
    DATABASE_URL: z.string().url().optional(),
    EVENTSTORE_URL: z.string().min(1).optional(),
    CS_DATA_DIR: z.string().min(1).default('.data'),
    MAX_FUTURE_SKEW_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
    MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(25),
    SNAPSHOT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(100),
    /**
     * Connections of the PostgreSQL pool (EVENT_STORE=postgres). A Unix-domain socket goes in
     * DATABASE_URL itself: postgres://user@localhost/db?host=/var/run/postgresql
     */
    PG_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(20),
    /**
     * Group commit (EVENT_STORE=postgres): at most this many append calls at once; appends that
     * arrive meanwhile go together in one transaction. 0 sends every append on its own.
     */
    APPEND_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(1000).default(2),
    /** Streams whose latest state the handler keeps to decide without loading (0: load every command first). */
    STATE_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
    /** Decide a command on a stream the handler keeps no state of as on a new stream (no load; a conflict reloads). */
    ASSUME_NEW_STREAMS: z
      .enum(['true', 'false', '1', '0'])
      .default('true')
      .transform((v) => v === 'true' || v === '1'),
    MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(8 * 1024 * 1024).default(64 * 1024),
    /** Commands this instance handles at once; one more is answered `unavailable` at once. */
    MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(1024),
    AUDIT_HMAC_KEY: z.string().min(32, 'use at least 32 characters').optional(),
    /** How often the reservation reconciler runs (0: never). */
    RECONCILE_EVERY_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
    /** Reservations younger than this are left alone (a command may still be completing them). */
    RECONCILE_GRACE_MS: z.coerce.number().int().min(0).max(7 * 86_400_000).default(300_000),
    /** Command subject prefix (default `cs.cmd`); only isolated tests or tenants change it. */
    CS_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated NATS tokens').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .transform((e) => ({
    ...e,
    // EventStoreDB when its URL is given, else PostgreSQL when DATABASE_URL is, else embedded PGlite.
    EVENT_STORE: e.EVENT_STORE ?? (e.EVENTSTORE_URL ? 'eventstoredb' : e.DATABASE_URL ? 'postgres' : 'pglite'),
  }));

export type CommandHandlerEnv = z.infer<typeof Env> & { nats: ReturnType<typeof natsConnectionOptionsFromEnv> };

/**
 * Reads the command handler's environment; throws one readable error naming every bad variable.
 * Empty strings count as unset (as in the `cs` CLI and the projector): `AUDIT_HMAC_KEY=` in a
 * compose file means no key, with the warning at start, not a refusal.
 *
 * @example
 * const env = readEnv(process.env);
 */
export const readEnv = (raw: Record<string, string | undefined>): CommandHandlerEnv => {
  const source = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  if (parsed.data.EVENT_STORE === 'postgres' && !parsed.data.DATABASE_URL) throw new Error('invalid environment: EVENT_STORE=postgres needs DATABASE_URL');
  if (parsed.data.EVENT_STORE === 'eventstoredb' && !parsed.data.EVENTSTORE_URL) throw new Error('invalid environment: EVENT_STORE=eventstoredb needs EVENTSTORE_URL');
  return { ...parsed.data, nats: natsConnectionOptionsFromEnv(source) };
};
