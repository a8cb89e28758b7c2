import { z } from 'zod';

/** Every setting of the projector, read and validated here and nowhere else. */
const Env = z
  .object({
    /** The read-model database (PostgreSQL): checkpoints, leases, status, projections' tables, analytics views. */
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    EVENT_STORE: z.enum(['pglite', 'postgres', 'eventstoredb']).default('postgres'),
    /** The PostgreSQL event store; defaults to DATABASE_URL (same server, schema event_store). */
    EVENT_STORE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    EVENTSTORE_URL: z.string().min(1).optional(),
    CS_DATA_DIR: z.string().min(1).default('.data'),
    PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
    /** Events per batch while behind (catch-up, rebuild); at least PROJECTOR_BATCH_SIZE. */
    PROJECTOR_CATCH_UP_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(5000),
    /** Extra read-model connections a projection's settle (a rebuild's one-time recompute) may split its work across; 0 off. */
    PROJECTOR_SETTLE_HELPERS: z.coerce.number().int().min(0).max(8).default(2),
    PROJECTOR_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
    PROJECTOR_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    /** After SIGTERM/SIGINT, how long the batches in flight and the lease releases may take before the process exits 1 anyway. */
    PROJECTOR_STOP_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
    PROJECTOR_AUTO_PROMOTE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((e, ctx) => {
    if (e.EVENT_STORE === 'eventstoredb' && !e.EVENTSTORE_URL) {
      ctx.addIssue({ code: 'custom', path: ['EVENTSTORE_URL'], message: 'EVENT_STORE=eventstoredb needs EVENTSTORE_URL' });
    }
  });

export type ProjectorEnv = z.infer<typeof Env>;

/**
 * Reads the projector's environment; empty strings count as unset (as in the `cs` CLI), so
 * `EVENT_STORE_URL=` falls back to DATABASE_URL and `PROJECTOR_SETTLE_HELPERS=` to its default.
 * Throws one readable error naming every bad variable.
 *
 * @example
 * const env = readEnv(process.env);
 */
export const readEnv = (source: Record<string, string | undefined>): ProjectorEnv => {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
};
