import { format } from 'node:util';

/**
 * Runs a command's `run` in this process with `vars` set in process.env, capturing what it writes
 * (process.stdout/stderr and console), and puts the environment and the streams back after.
 *
 * @example
 * const r = await runHere(() => run(['status']), { DATABASE_URL: db.url }); // { code, out, err }
 */
export const runHere = async <T>(run: () => Promise<T>, vars: Record<string, string>): Promise<{ code: T; out: string; err: string }> => {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((t: string) => ((out += t), true)) as typeof process.stdout.write;
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  const { log, error } = console;
  console.log = (...a: unknown[]) => void (out += `${format(...a)}\n`);
  console.error = (...a: unknown[]) => void (err += `${format(...a)}\n`);
  try {
    const code = await run();
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    Object.assign(console, { log, error });
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
};
