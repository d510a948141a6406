import { describe, expect, it } from 'vitest';
import { applyConfigPatch, nextOverrides } from '../../../src/config/config-patch.js';

describe('config patches', () => {
  it('merge objects key by key, replace other values, and remove keys set to null', () => {
    const overrides = { greeting: 'hi', pool: { max: 4, min: 1 }, tags: ['a'] };
    expect(
      applyConfigPatch(overrides, { pool: { max: 8, min: null }, tags: ['b'], limit: 3 }),
    ).toEqual({
      greeting: 'hi',
      pool: { max: 8 },
      tags: ['b'],
      limit: 3,
    });
    expect(overrides).toEqual({ greeting: 'hi', pool: { max: 4, min: 1 }, tags: ['a'] });
  });

  it('replace drops earlier overrides first', () => {
    expect(nextOverrides({ greeting: 'hi', limit: 3 }, { limit: 5, gone: null }, true)).toEqual({
      limit: 5,
    });
    expect(nextOverrides({ greeting: 'hi', limit: 3 }, { limit: 5 }, false)).toEqual({
      greeting: 'hi',
      limit: 5,
    });
  });

  it('keep a "__proto__" key a plain key', () => {
    const patched = applyConfigPatch(
      {},
      JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>,
    );
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
