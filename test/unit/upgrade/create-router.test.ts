import { afterEach, describe, expect, it, vi } from 'vitest';

import { createRouter } from '../../../src/upgrade/index.js';

/** A promise the test settles by hand. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createRouter', () => {
  it('runs each call on the instance current when it started, even after a switch', async () => {
    const router = createRouter('old');
    const held = deferred<string>();
    const onOld = router.use((target) => held.promise.then((value) => `${target}:${value}`));
    expect(router.switchTo('new')).toBe('old');
    const onNew = router.use((target) => Promise.resolve(target));
    expect(router.current).toBe('new');
    expect([router.inFlight('old'), router.inFlight('new')]).toEqual([1, 1]);
    held.resolve('done');
    expect(await onOld).toBe('old:done');
    expect(await onNew).toBe('new');
    expect([router.inFlight('old'), router.inFlight('new')]).toEqual([0, 0]);
  });

  it('counts a call until it settles, rejections and synchronous throws included', async () => {
    const router = createRouter('only');
    const failing = deferred<never>();
    const rejected = router.use(() => failing.promise);
    const thrown = router.use((): Promise<never> => {
      throw new Error('thrown before any promise');
    });
    expect(router.inFlight('only')).toBe(2);
    failing.reject(new Error('rejected later'));
    await expect(rejected).rejects.toThrow('rejected later');
    await expect(thrown).rejects.toThrow('thrown before any promise');
    expect(router.inFlight('only')).toBe(0);
  });

  it('says drained at once when nothing runs on the instance', async () => {
    const router = createRouter('idle');
    expect(await router.drained('idle', 1_000)).toBe(true);
    expect(await router.drained('never-used', 1_000)).toBe(true);
  });

  it('says drained when the last call on the old instance settles, whatever runs on the new one', async () => {
    const router = createRouter('old');
    const first = deferred<undefined>();
    const second = deferred<undefined>();
    const calls = [router.use(() => first.promise), router.use(() => second.promise)];
    router.switchTo('new');
    const onNew = deferred<undefined>();
    const newCall = router.use(() => onNew.promise);
    let drained: boolean | undefined;
    const waiting = router.drained('old', 60_000).then((value) => (drained = value));
    first.resolve(undefined);
    await calls[0];
    expect(drained).toBeUndefined();
    second.resolve(undefined);
    await waiting;
    expect(drained).toBe(true);
    onNew.resolve(undefined);
    await newCall;
  });

  it('keeps counting on an instance switched away from and back to while it drains', async () => {
    const router = createRouter('a');
    const held = deferred<undefined>();
    const first = router.use(() => held.promise);
    router.switchTo('b');
    router.switchTo('a');
    const second = router.use(() => Promise.resolve(undefined));
    expect(router.inFlight('a')).toBe(2);
    await second;
    const drained = router.drained('a', 60_000);
    held.resolve(undefined);
    await first;
    expect(await drained).toBe(true);
    expect([router.inFlight('a'), router.inFlight('b')]).toEqual([0, 0]);
    // Still current, it keeps taking calls after draining.
    await router.use(async (target) => expect(target).toBe('a'));
  });

  it('gives up waiting after the timeout and says so', async () => {
    vi.useFakeTimers();
    const router = createRouter('old');
    const stuck = deferred<undefined>();
    const call = router.use(() => stuck.promise);
    const waiting = router.drained('old', 5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await waiting).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    stuck.resolve(undefined);
    await call;
  });
});
