import { describe, expect, it } from 'vitest';
import { SpinPolicy } from '../../../src/transport/spin-policy.js';

describe('SpinPolicy', () => {
  it('watches for the longest window at first, and never when that is 0', () => {
    expect(new SpinPolicy(50).windowUs(0)).toBe(50);
    const never = new SpinPolicy(0);
    never.woke(1, 0);
    never.found(1);
    expect(never.windowUs(0)).toBe(0);
  });

  it('halves the window on each miss and closes it under the narrowest worth opening', () => {
    const policy = new SpinPolicy(50);
    const windows = [];
    for (let i = 0; i < 5; i += 1) {
      policy.missed();
      windows.push(policy.windowUs(0));
    }
    expect(windows).toEqual([25, 12.5, 6.25, 0, 0]);
  });

  it('opens a closed window again when a wake came soon enough for a watch to catch it', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 6; i += 1) policy.missed();
    policy.woke(200, 0); // longer than any watch and its wake-up: nothing learned
    expect(policy.windowUs(0)).toBe(0);
    policy.woke(10, 0);
    expect(policy.windowUs(0)).toBe(20);
    policy.found(40); // twice that is over the longest watch
    expect(policy.windowUs(0)).toBe(50);
  });

  it('stops watching for a while after losing its core, then probes with a whole window', () => {
    const policy = new SpinPolicy(50);
    policy.preempted(1_000);
    expect(policy.windowUs(1_001)).toBe(0);
    policy.woke(5, 1_010); // during the cool-down: nothing learned
    expect(policy.windowUs(1_049)).toBe(0);
    expect(policy.windowUs(1_050)).toBe(50);
  });

  it('counts a wake-up that took a little longer than the longest watch as one it would have caught', () => {
    const policy = new SpinPolicy(50);
    for (let i = 0; i < 6; i += 1) policy.missed();
    policy.woke(90, 0);
    expect(policy.windowUs(0)).toBe(50);
    for (let i = 0; i < 6; i += 1) policy.missed();
    policy.woke(101, 0);
    expect(policy.windowUs(0)).toBe(0);
  });
});
