import { describe, expect, it } from 'vitest';
import { checkBeat } from '../../../src/isolation/watchdog.js';

describe('the hang watchdog', () => {
  it('is satisfied by any change of the heartbeat', () => {
    const result = checkBeat({ value: 1, changedAt: 0 }, 2, 10_000, 5_000);
    expect(result).toEqual({ state: { value: 2, changedAt: 10_000 }, stalled: false });
  });

  it('calls a heartbeat stalled only after the timeout has passed without a change', () => {
    expect(checkBeat({ value: 3, changedAt: 0 }, 3, 5_000, 5_000).stalled).toBe(false);
    expect(checkBeat({ value: 3, changedAt: 0 }, 3, 5_001, 5_000).stalled).toBe(true);
  });
});
