import { describe, expect, it } from 'vitest';
import { SpinPolicy } from '../../../src/transport/spin-policy.js';

/** Puts `policy` to sleep at `sleptAt` and wakes it by a ring at `rangAt` (monotonic ms). */
function sleepAndWake(policy: SpinPolicy, sleptAt: number, rangAt: number, now = 0): void {
  policy.sleeping(sleptAt);
  policy.woke(rangAt, now, rangAt + 1);
}

describe('SpinPolicy', () => {
  it('watches for the longest window at first, and never when that is 0', () => {
    expect(new SpinPolicy(50).windowUs(0)).toBe(50);
    const never = new SpinPolicy(0);
    sleepAndWake(never, 0, 0.001);
    never.found(1);
    expect(never.windowUs(0)).toBe(0);
    expect(never.windowUs(1_000_000)).toBe(0);
  });

  it('halves the window on each miss and closes it under the narrowest worth opening', () => {
    const policy = new SpinPolicy(50);
    const windows = [];
    for (let i = 0; i < 5; i += 1) {
      policy.missed(0);
      windows.push(policy.windowUs(0));
    }
    expect(windows).toEqual([25, 12.5, 6.25, 0, 0]);
  });

  it('opens a closed window again as a probe once it has stayed closed a while', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 4; i += 1) policy.missed(100);
    expect(policy.windowUs(119)).toBe(0);
    expect(policy.windowUs(120)).toBe(50);
  });

  it('opens a closed window again when the other side rang soon enough for a watch to catch it', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 4; i += 1) policy.missed(0);
    sleepAndWake(policy, 1_000, 1_000.2); // 200 µs: longer than any watch, nothing learned
    expect(policy.windowUs(0)).toBe(0);
    sleepAndWake(policy, 1_000, 1_000.01);
    expect(policy.windowUs(0)).toBeCloseTo(20, 6);
    policy.found(40); // twice that is over the longest watch
    expect(policy.windowUs(0)).toBe(50);
  });

  it('leaves its own wake-up out: a slow wake after a quick ring still opens the window', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 4; i += 1) policy.missed(0);
    policy.sleeping(1_000);
    policy.woke(1_000.03, 0, 1_000.5); // rung after 30 µs, woken 470 µs later
    expect(policy.windowUs(0)).toBe(50);
  });

  it('takes a ring from before the sleep as a frame already there, and learns nothing from nonsense', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 4; i += 1) policy.missed(0);
    sleepAndWake(policy, 1_000, 900);
    expect(policy.windowUs(0)).toBe(4);
    for (let i = 0; i < 2; i += 1) policy.missed(0);
    for (const rangAt of [Number.NaN, Number.POSITIVE_INFINITY, 2_000]) {
      policy.sleeping(1_000);
      policy.woke(rangAt, 0, 1_001); // 2,000 is in the future
      expect(policy.windowUs(0)).toBe(0);
    }
  });

  it('stops watching for a while after losing its core, longer each time in a row, then probes with a whole window', () => {
    const policy = new SpinPolicy(50);
    policy.preempted(1_000);
    expect(policy.windowUs(1_001)).toBe(0);
    sleepAndWake(policy, 1_000, 1_000.005, 1_001); // during the cool-down: nothing learned
    expect(policy.windowUs(1_002)).toBe(50);
    policy.preempted(1_002);
    expect(policy.windowUs(1_005)).toBe(0);
    expect(policy.windowUs(1_006)).toBe(50);
    for (let i = 0; i < 10; i += 1) policy.preempted(2_000);
    expect(policy.windowUs(2_049)).toBe(0);
    expect(policy.windowUs(2_050)).toBe(50);
  });

  it('makes the cool-down short again after a watch that kept its core', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 10; i += 1) policy.preempted(0);
    policy.found(5);
    policy.preempted(1_000);
    expect(policy.windowUs(1_002)).toBe(50);
  });
});
