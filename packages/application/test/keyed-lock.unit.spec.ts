import { describe, expect, it } from 'vitest';
import { createKeyedLock } from '../src/index.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('createKeyedLock', () => {
  it('runs work for one key one after the other, other keys in parallel, and forgets idle keys', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const job = (key: string, n: number) =>
      lock.run(key, async () => {
        log.push(`start ${key}${n}`);
        await tick();
        log.push(`end ${key}${n}`);
        return n;
      });
    const results = await Promise.all([job('a', 1), job('a', 2), job('b', 1)]);
    expect(results).toEqual([1, 2, 1]);
    // a2 starts only after a1 ended; b1 overlaps a1
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(lock.size).toBe(0);
  });

  it('a failing piece of work rejects its caller and does not block the next one', async () => {
    const lock = createKeyedLock();
    const failing = lock.run('k', async () => {
      throw new Error('boom');
    });
    const next = lock.run('k', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    expect(lock.size).toBe(0);
  });
});
