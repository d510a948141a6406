import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../../src/host/merge-config.js';

describe('mergeConfig', () => {
  it('merges nested objects, replaces arrays and leaves both inputs untouched', () => {
    const base = { a: 1, nested: { x: 1, y: 2 }, list: [1, 2] };
    const override = { nested: { y: 3 }, list: [9] };
    const merged = mergeConfig(base, override);
    expect(merged).toEqual({ a: 1, nested: { x: 1, y: 3 }, list: [9] });
    expect(base).toEqual({ a: 1, nested: { x: 1, y: 2 }, list: [1, 2] });
    (merged['nested'] as Record<string, unknown>)['x'] = 100;
    expect(base.nested.x).toBe(1);
  });

  it('copies the defaults when there is no override', () => {
    const base = { nested: { x: 1 } };
    const merged = mergeConfig(base, undefined);
    expect(merged).toEqual(base);
    expect(merged['nested']).not.toBe(base.nested);
  });
});
