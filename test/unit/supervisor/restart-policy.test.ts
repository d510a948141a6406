import { describe, expect, it } from 'vitest';
import { POOL_DEATH_BUDGET } from '../../../src/isolation/crash-window.js';
import {
  decideRestart,
  DEFAULT_RESTART_POLICY,
  recentCrashes,
} from '../../../src/supervisor/restart-policy.js';

const policy = {
  ...DEFAULT_RESTART_POLICY,
  initialDelayMs: 100,
  maxDelayMs: 1_000,
  multiplier: 2,
  jitter: 0,
};

describe('the restart policy', () => {
  it('backs off exponentially with each crash in the window, up to the cap', () => {
    const delays = [1, 2, 3, 4].map((n) => {
      const crashes = Array.from({ length: n }, (_, i) => i * 10);
      return decideRestart(crashes, 100, { ...policy, budget: 10 });
    });
    expect(delays).toEqual([
      { action: 'restart', delayMs: 100 },
      { action: 'restart', delayMs: 200 },
      { action: 'restart', delayMs: 400 },
      { action: 'restart', delayMs: 800 },
    ]);
    const capped = decideRestart(
      Array.from({ length: 9 }, () => 0),
      1,
      { ...policy, budget: 10 },
    );
    expect(capped).toEqual({ action: 'restart', delayMs: 1_000 });
  });

  it('draws the delay from the jitter band below the nominal delay', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(decideRestart([0], 0, jittered, 0)).toEqual({ action: 'restart', delayMs: 100 });
    expect(decideRestart([0], 0, jittered, 1)).toEqual({ action: 'restart', delayMs: 50 });
  });

  it('opens the breaker when the budget of crashes in the window is spent', () => {
    const crashes = [0, 1_000, 2_000, 3_000, 4_000];
    expect(decideRestart(crashes, 4_000, policy)).toEqual({
      action: 'open-breaker',
      retryInMs: policy.cooldownMs,
    });
  });

  it('forgets crashes older than the window', () => {
    const crashes = [0, 1_000, 2_000, 3_000, 70_000];
    expect(recentCrashes(crashes, 70_000, policy)).toEqual([70_000]);
    expect(decideRestart(crashes, 70_000, policy)).toEqual({ action: 'restart', delayMs: 100 });
  });

  it("gives a pool up after as many thread deaths as the default budget allows a plugin's crashes", () => {
    expect(POOL_DEATH_BUDGET).toEqual({
      budget: DEFAULT_RESTART_POLICY.budget,
      windowMs: DEFAULT_RESTART_POLICY.windowMs,
    });
  });
});
