import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeadlines, RESOLUTION_MS } from '../../../src/transport/deadlines.js';

describe('call deadlines', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each deadline once, never early and at most one bucket late', () => {
    vi.useFakeTimers();
    const fired: [number, number][] = [];
    const deadlines = createDeadlines((id, timeoutMs) => fired.push([id, timeoutMs]));
    deadlines.add(1, 100);
    deadlines.add(2, 30);
    deadlines.add(3, 100);
    vi.advanceTimersByTime(29);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1 + RESOLUTION_MS);
    expect(fired).toEqual([[2, 30]]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([
      [2, 30],
      [1, 100],
      [3, 100],
    ]);
    vi.advanceTimersByTime(1_000);
    expect(fired).toHaveLength(3);
  });

  it('does not fire a removed deadline, and clear drops them all', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const deadlines = createDeadlines((id) => fired.push(id));
    const bucket = deadlines.add(1, 50);
    deadlines.add(2, 50);
    deadlines.remove(1, bucket);
    deadlines.remove(1, bucket); // again: harmless
    vi.advanceTimersByTime(60);
    expect(fired).toEqual([2]);
    deadlines.add(3, 10);
    deadlines.clear();
    vi.advanceTimersByTime(60);
    expect(fired).toEqual([2]);
  });
});
