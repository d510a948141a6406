import { describe, expect, it } from 'vitest';
import { createKeyedLock } from '../../../../src/host/lifecycle/keyed-lock.js';

/** A task that records when it starts and ends, and ends when told. */
function task(log: string[], name: string): { run: () => Promise<string>; end: () => void } {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await ended;
      log.push(`end ${name}`);
      return name;
    },
    end: () => end(),
  };
}

describe('the keyed lock', () => {
  it('runs tasks of one key one at a time, and of different keys side by side', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const a1 = task(log, 'a1');
    const a2 = task(log, 'a2');
    const b1 = task(log, 'b1');
    const results = [lock.run('a', a1.run), lock.run('a', a2.run), lock.run('b', b1.run)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a1', 'start b1']);
    a1.end();
    b1.end();
    await results[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toContain('start a2');
    a2.end();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1']);
  });

  it('goes on after a task rejects, and idle waits for every queued task', async () => {
    const lock = createKeyedLock();
    const failed = lock.run('a', () => Promise.reject(new Error('boom')));
    const log: string[] = [];
    const next = task(log, 'next');
    const after = lock.run('a', next.run);
    let idle = false;
    const idling = lock.idle().then(() => (idle = true));
    await expect(failed).rejects.toThrow('boom');
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    next.end();
    expect(await after).toBe('next');
    await idling;
    expect(idle).toBe(true);
  });
});
