import { SystemError } from './errors.ts';
import { z } from 'zod';

const url = (schemes: string[]) =>
  z
    .string()
    .trim()
    .refine((s) => schemes.some((p) => s.startsWith(p)), `must start with ${schemes.join(' or ')}`);

/** The environment of the `cs` CLI (validated here and nowhere else). */
export const CliEnv = z.object({
  /** PostgreSQL for the event store and the read models (production mode). */
  DATABASE_URL: url(['postgres://', 'postgresql://']).optional(),
  /** EventStoreDB for the events (production mode); the read models then need DATABASE_URL. */
  EVENTSTORE_URL: url(['esdb://', 'esdb+discover://', 'kurrentdb://']).optional(),
  /** NATS: commands travel over NATS (the handler's service runs in this process). */
  NATS_URL: z.string().trim().min(1).optional(),
  /** Where the embedded database and the simulation state live (default `.data` in the repository). */
  CS_DATA_DIR: z.string().trim().min(1).optional(),
});
export type CliEnv = z.infer<typeof CliEnv>;

/**
 * Reads and validates the CLI's environment; empty strings count as unset.
 *
 * @example
 * const env = readCliEnv(process.env); // throws a readable SystemError (bad usage, exit 2) on a bad value
 */
export const readCliEnv = (env: Record<string, string | undefined>): CliEnv => {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = CliEnv.safeParse(cleaned);
  if (!parsed.success) {
    throw new SystemError(`bad environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
};
