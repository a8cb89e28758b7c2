import type { Position, ReadAllOptions, ReadAllResult, SubscribeOptions, Subscription } from './port.ts';

/**
 * A catch-up-then-live subscription over any `readAll`: pages from `from`, delivers each event
 * once and in order, and polls (or waits for `wake`) when it has caught up. Used by the SQL and
 * in-memory adapters.
 *
 * @example
 * const sub = pollingSubscription((o) => store.readAll(o), { from: START, onEvent: handle });
 * await sub.stop();
 */
export const pollingSubscription = (
  readAll: (options: ReadAllOptions) => Promise<ReadAllResult>,
  options: SubscribeOptions,
  hooks: { onWake?: (wake: () => void) => () => void } = {},
): Subscription => {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 50;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  // After a wake-up the new events may still be hidden behind an older running transaction
  // (the SQL gapless guard): retry a few times quickly before falling back to `pollMs`.
  let quickRetries = 0;
  const wake = (): void => {
    quickRetries = 15;
    wakeUp?.();
  };
  const unhook = hooks.onWake?.(wake);
  const idle = (): Promise<void> =>
    new Promise((resolve) => {
      // 5, 10, 20 … 320, then 500 ms: about 4.5 s of quick retries in all.
      const ms = quickRetries > 0 ? Math.min(pollMs, 500, 5 * 2 ** (15 - quickRetries)) : pollMs;
      quickRetries = Math.max(0, quickRetries - 1);
      const timer = setTimeout(() => done(), ms);
      const done = (): void => {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      };
      wakeUp = done;
    });
  const run = async (): Promise<void> => {
    let after: Position = options.from;
    try {
      while (!stopped) {
        const page = await readAll({ after, limit: batchSize });
        for (const event of page.events) {
          if (stopped) return;
          await options.onEvent(event);
          after = event.position;
        }
        // (past events the store does not hand out, e.g. EventStoreDB's system events)
        if (page.scanned > 0 && page.last > after) after = page.last;
        if (page.scanned === 0 && !stopped) await idle();
      }
    } finally {
      unhook?.();
    }
  };
  const done = run();
  // Keep an unobserved failure from crashing the process; callers see it through `done`.
  done.catch(() => undefined);
  return {
    done,
    stop: async () => {
      stopped = true;
      wake();
      await done.catch(() => undefined);
    },
  };
};
