import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeadlineTimer } from '../../../src/transport/deadlines.js';

/** Deadlines kept as a caller keeps them: with its calls, swept when the timer fires. */
function makeCalls() {
  const due = new Map<number, number>();
  const expired: number[] = [];
  const sweeps: number[] = [];
  const timer = createDeadlineTimer((now) => {
    sweeps.push(now);
    let next = Infinity;
    for (const [id, at] of due) {
      if (at <= now) {
        due.delete(id);
        expired.push(id);
      } else if (at < next) next = at;
    }
    return next;
  });
  const add = (id: number, timeoutMs: number): void => {
    const at = Date.now() + timeoutMs;
    due.set(id, at);
    timer.arm(at);
  };
  return { due, expired, sweeps, timer, add };
}

describe('the deadline timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each deadline once, never early, whatever the order they were armed in', () => {
    vi.useFakeTimers();
    const calls = makeCalls();
    calls.add(1, 100);
    calls.add(2, 30);
    calls.add(3, 100);
    vi.advanceTimersByTime(29);
    expect(calls.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls.expired).toEqual([2]);
    vi.advanceTimersByTime(69);
    expect(calls.expired).toEqual([2]);
    vi.advanceTimersByTime(1);
    expect(calls.expired).toEqual([2, 1, 3]);
    vi.advanceTimersByTime(1_000);
    expect(calls.expired).toHaveLength(3);
  });

  it('sweeps once for calls that settled early, then re-arms for the earliest left', () => {
    vi.useFakeTimers();
    const calls = makeCalls();
    calls.add(1, 50);
    vi.advanceTimersByTime(10);
    calls.add(2, 50);
    calls.due.delete(1); // call 1 settles: nothing is done about its deadline
    vi.advanceTimersByTime(40);
    expect(calls.sweeps).toHaveLength(1);
    expect(calls.expired).toEqual([]);
    vi.advanceTimersByTime(10);
    expect(calls.expired).toEqual([2]);
    expect(calls.sweeps).toHaveLength(2);
    vi.advanceTimersByTime(1_000);
    expect(calls.sweeps).toHaveLength(2);
  });

  it('stops sweeping once cleared, until armed again', () => {
    vi.useFakeTimers();
    const calls = makeCalls();
    calls.add(1, 10);
    calls.timer.clear();
    vi.advanceTimersByTime(60);
    expect(calls.sweeps).toEqual([]);
    calls.add(2, 10);
    vi.advanceTimersByTime(10);
    expect(calls.expired).toEqual([1, 2]);
  });
});
