/**
 * Serialises work per key inside one process (commands for one stream run one after the other).
 * Keys with no waiting work are forgotten, so the map does not grow with the number of streams.
 *
 * @example
 * const lock = createKeyedLock();
 * await lock.run('Order-1', () => handle(command));
 */
export const createKeyedLock = () => {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run<T>(key: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const current = previous.then(work, work);
      const tail = current.catch(() => undefined);
      tails.set(key, tail);
      try {
        return await current;
      } finally {
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    get size() {
      return tails.size;
    },
  };
};
