import { describe, expect, it } from 'vitest';
import { compareStrings } from '../../../src/contracts/list-order.js';
import { prefixUpperBound } from '../../../src/contracts/name-prefix.js';

describe('prefixUpperBound', () => {
  it.each([
    ['a', 'b'],
    ['web-', 'web.'],
    ['\u{d7ff}', '\u{e000}'],
    ['a\u{10ffff}', 'b'],
    ['\u{ffff}', '\u{10000}'],
    ['a%_', 'a%`'],
  ])('bounds the prefix %j by %j', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
  });

  it('has no bound for an empty prefix or one made only of U+10FFFF', () => {
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
    expect(prefixUpperBound('')).toBeUndefined();
  });

  it('sorts after every extension of the prefix and before the next prefix', () => {
    const bound = prefixUpperBound('ab') ?? '';
    for (const name of ['ab', 'ab\u{10ffff}', 'ab\u{ffff}z', 'abzzz']) {
      expect(compareStrings(name, bound)).toBeLessThan(0);
    }
    expect(compareStrings('ac', bound)).toBeGreaterThanOrEqual(0);
  });
});
