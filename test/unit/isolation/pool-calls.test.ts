import { afterEach, describe, expect, it, vi } from 'vitest';
import { codes } from '../../../src/errors.js';
import { createPoolCalls } from '../../../src/isolation/pool-calls.js';

describe('the pending calls of a pool runtime', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles a call once: a later answer for it is dropped', async () => {
    const calls = createPoolCalls();
    const id = calls.nextId();
    const call = calls.track(id, {}, () => {});
    expect(calls.inFlight).toBe(1);
    expect(calls.resolve(id, 'first')).toBe(true);
    expect(calls.reject(id, new Error('late'))).toBe(false);
    expect(calls.resolve(id, 'late')).toBe(false);
    expect(await call).toBe('first');
    expect(calls.inFlight).toBe(0);
  });

  it('rejects with BERTH_ERR_CALL_TIMEOUT at the deadline and reports the call given up', async () => {
    vi.useFakeTimers();
    const calls = createPoolCalls();
    const givenUp: number[] = [];
    const id = calls.nextId();
    const call = calls.track(id, { timeoutMs: 100 }, (abandoned) => givenUp.push(abandoned));
    const outcome = expect(call).rejects.toMatchObject({
      code: codes.CALL_TIMEOUT,
      data: { timeoutMs: 100 },
    });
    vi.advanceTimersByTime(99);
    expect(givenUp).toEqual([]);
    vi.advanceTimersByTime(1);
    await outcome;
    expect(givenUp).toEqual([id]);
    expect(calls.resolve(id, 'too late')).toBe(false);
  });

  it("rejects with BERTH_ERR_CALL_ABORTED when the caller's signal fires, with its reason as cause", async () => {
    const calls = createPoolCalls();
    const controller = new AbortController();
    const givenUp: number[] = [];
    const id = calls.nextId();
    const call = calls.track(id, { signal: controller.signal }, (abandoned) =>
      givenUp.push(abandoned),
    );
    controller.abort('changed my mind');
    await expect(call).rejects.toMatchObject({
      code: codes.CALL_ABORTED,
      cause: 'changed my mind',
    });
    expect(givenUp).toEqual([id]);
  });

  it('does not report a call given up when it was answered first, and forgets its timer', async () => {
    vi.useFakeTimers();
    const calls = createPoolCalls();
    const givenUp: number[] = [];
    const controller = new AbortController();
    const id = calls.nextId();
    const call = calls.track(id, { timeoutMs: 100, signal: controller.signal }, (abandoned) =>
      givenUp.push(abandoned),
    );
    calls.resolve(id, 42);
    controller.abort();
    vi.advanceTimersByTime(1_000);
    expect(await call).toBe(42);
    expect(givenUp).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects every pending call at once, and wakes whoever waits for it to be idle', async () => {
    const calls = createPoolCalls();
    const pending = [1, 2, 3].map(() => calls.track(calls.nextId(), {}, () => {}));
    let idle = false;
    const idled = calls.whenIdle().then(() => (idle = true));
    expect(idle).toBe(false);
    calls.rejectAll(() => new Error('the pool ended'));
    for (const call of pending) await expect(call).rejects.toThrow('the pool ended');
    await idled;
    expect(calls.inFlight).toBe(0);
    await calls.whenIdle();
  });

  it('hands out ids that are never 0 and fit a 31-bit slot', () => {
    const calls = createPoolCalls();
    const ids = Array.from({ length: 5 }, () => calls.nextId());
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    for (const id of ids) expect(id > 0 && id <= 0x7fff_ffff).toBe(true);
  });
});
