import { z } from 'zod';

/** The bench's settings, read and validated here and nowhere else. */
const Env = z.object({
  BENCH_ADMIN_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').default('postgres://root@127.0.0.1:5432/postgres'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  BENCH_CPU_PROF_DIR: z.string().min(1).optional(),
});

export type BenchEnv = z.infer<typeof Env>;

/**
 * Reads the bench's environment; throws one readable error naming every bad variable.
 *
 * @example
 * const env = readBenchEnv(process.env);
 */
export const readBenchEnv = (source: Record<string, string | undefined>): BenchEnv => {
  const parsed = Env.safeParse(source);
  if (!parsed.success) throw new Error(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
};
