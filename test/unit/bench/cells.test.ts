import { describe, expect, it } from 'vitest';
import { roundOrder } from '../../../bench/cells.js';
import { formatNoise, worseNoise } from '../../../bench/report/format.js';
import { spread } from '../../../bench/stats.js';

describe('the order of a round', () => {
  it('starts each round at a different cell and keeps every cell once', () => {
    const cells = ['a', 'b', 'c', 'd', 'e', 'f'];
    const rounds = [0, 1, 2].map((round) => roundOrder(cells, round, 3));
    expect(rounds.map((order) => order[0])).toEqual(['a', 'c', 'e']);
    for (const order of rounds) expect([...order].sort()).toEqual(cells);
    expect(roundOrder(cells, 1, 3)).toEqual(['c', 'd', 'e', 'f', 'a', 'b']);
  });

  it('copes with one round, fewer cells than rounds, and no cells', () => {
    expect(roundOrder(['a', 'b'], 0, 1)).toEqual(['a', 'b']);
    expect(roundOrder(['a'], 2, 3)).toEqual(['a']);
    expect(roundOrder([], 1, 3)).toEqual([]);
  });
});

describe('the noise of repeats', () => {
  it('is n/a for one repeat, not a reassuring ±0%', () => {
    expect(spread([10])).toBeNull();
    expect(formatNoise(spread([10]))).toBe('n/a');
    expect(formatNoise(worseNoise(0.1, null))).toBe('n/a');
  });

  it('is half the spread over the median for several', () => {
    expect(spread([9, 10, 11])).toBeCloseTo(0.2, 12);
    expect(formatNoise(worseNoise(spread([9, 10, 11]), 0.04))).toBe('±10%');
    expect(formatNoise(0)).toBe('±0%');
  });
});
