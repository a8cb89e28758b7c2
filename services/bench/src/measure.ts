/** Small timing helpers: percentiles, sequential and concurrent runs, rates. */

/**
 * The nearest-rank percentile of durations (ms); 0 for no samples.
 *
 * @example
 * percentile([1, 2, 3, 4], 0.5); // 2
 */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
};

/** Latencies of a sequential run: p50/p99 in ms and the rate per second. */
export type Latency = { p50: number; p99: number; perSecond: number; n: number };

/**
 * Runs `fn(i)` for i in [0, n) one after another after `warmup` untimed calls; returns p50/p99.
 *
 * @example
 * const { p50 } = await sequential(1000, 50, (i) => pool.query('SELECT 1'));
 */
export const sequential = async (n: number, warmup: number, fn: (i: number) => Promise<unknown>): Promise<Latency> => {
  for (let i = 0; i < warmup; i++) await fn(n + i);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  const total = performance.now() - started;
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), perSecond: (n * 1000) / total, n };
};

/**
 * Runs `fn(i)` for i in [0, n) with at most `inFlight` pending at once; returns calls per second
 * (times `unitsPerCall`, e.g. rows per statement) and p50/p99 of the calls.
 *
 * @example
 * const { perSecond } = await concurrent(10_000, 64, (i) => insert(i));
 */
export const concurrent = async (n: number, inFlight: number, fn: (i: number) => Promise<unknown>, unitsPerCall = 1): Promise<Latency> => {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const t = performance.now();
      await fn(i);
      samples.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
  const total = performance.now() - started;
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), perSecond: (n * unitsPerCall * 1000) / total, n: n * unitsPerCall };
};

/**
 * Times one async call in ms.
 *
 * @example
 * const { ms, value } = await timed(() => load());
 */
export const timed = async <T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
};
