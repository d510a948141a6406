import { describe, expect, it } from 'vitest';
import { deepMerge, mergeConfig } from '../../../src/config/deep-merge.js';

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

describe('deepMerge', () => {
  it('keeps null as a value by default, and removes the key with nullRemoves', () => {
    const base = { a: 1, nested: { x: 1, y: 2 } };
    expect(deepMerge(base, { a: null })).toEqual({ a: null, nested: { x: 1, y: 2 } });
    expect(deepMerge(base, { a: null, nested: { y: null } }, { nullRemoves: true })).toEqual({
      nested: { x: 1 },
    });
  });

  it('drops the nulls of an object laid over a non-object when nulls remove (RFC 7386)', () => {
    expect(deepMerge({ a: 'text' }, { a: { b: null, c: 1 } }, { nullRemoves: true })).toEqual({
      a: { c: 1 },
    });
    expect(deepMerge({ a: 'text' }, { a: { b: null } })).toEqual({ a: { b: null } });
  });

  it('keeps a "__proto__" key a plain key when merging', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = deepMerge({}, patch);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['__proto__']);
  });
});
