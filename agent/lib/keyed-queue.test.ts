import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('runs jobs of one key one after another, in order', async () => {
    const q = new KeyedQueue<number>();
    const log: string[] = [];
    const job = (name: string, ms: number) => async () => {
      log.push(`${name}:start`);
      await tick(ms);
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([q.run(1, job('a', 20)), q.run(1, job('b', 1)), q.run(1, job('c', 1))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    expect(q.busyKeys).toEqual([]);
  });

  it('runs different keys concurrently and survives a failing job', async () => {
    const q = new KeyedQueue<number>();
    const log: string[] = [];
    const slow = q.run(1, async () => {
      await tick(20);
      log.push('1');
    });
    const fast = q.run(2, async () => {
      log.push('2');
    });
    await Promise.all([slow, fast]);
    expect(log).toEqual(['2', '1']);
    await expect(q.run(3, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(q.run(3, () => Promise.resolve('after'))).resolves.toBe('after');
  });
});
