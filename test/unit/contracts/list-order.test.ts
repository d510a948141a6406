import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  compareForOrder,
  compareSortKeys,
  compareStrings,
  sortKeyOf,
} from '../../../src/contracts/list-order.js';
import type { Sortable } from '../../../src/contracts/list-order.js';

const resource = (
  revision: number,
  cluster: string,
  type: string,
  namespace: string,
  name: string,
): Sortable => ({ revision, cluster, type, namespace, name });

const names = (items: Sortable[]): string[] =>
  items.map((r) => `${r.cluster}/${r.type}/${r.namespace}/${r.name}@${r.revision}`);

describe('compareStrings', () => {
  it('orders by Unicode code point, like UTF-8 bytes', () => {
    const words = ['😀', '\uff21', '中', 'é', 'e\u0301', 'a', 'B', ''];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(compareStrings)).toEqual(byBytes);
    expect([...words].sort(compareStrings)).toEqual([
      '',
      'B',
      'a',
      'e\u0301',
      'é',
      '中',
      '\uff21',
      '😀',
    ]);
  });

  it('agrees with UTF-8 byte order on random strings', () => {
    const alphabet = ['a', 'z', '\u00e9', '\u4e2d', '\ue000', '\uffff', '😀', '𝄞', '\u{10ffff}'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const words = Array.from({ length: 300 }, () =>
      Array.from({ length: next() % 5 }, () => alphabet[next() % alphabet.length]).join(''),
    );
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(compareStrings)).toEqual(byBytes);
  });

  it('puts a prefix before the longer string and calls equal strings equal', () => {
    expect(compareStrings('ab', 'abc')).toBeLessThan(0);
    expect(compareStrings('abc', 'ab')).toBeGreaterThan(0);
    expect(compareStrings('abc', 'abc')).toBe(0);
  });
});

describe('sortKeyOf and compareSortKeys', () => {
  const r = resource(9, 'c', 't', 'ns', 'n');

  it('builds the documented tuple for each order', () => {
    expect(sortKeyOf(r, 'key')).toEqual(['c', 't', 'ns', 'n']);
    expect(sortKeyOf(r, 'name')).toEqual(['n', 'ns', 'c', 't']);
    expect(sortKeyOf(r, 'revision')).toEqual([9, 'c', 't', 'ns', 'n']);
  });

  it('compares revisions numerically, not as text', () => {
    expect(compareSortKeys([9, 'a'], [10, 'a'])).toBeLessThan(0);
  });

  it('decides on the first differing element', () => {
    expect(compareSortKeys(['a', 'z'], ['b', 'a'])).toBeLessThan(0);
    expect(compareSortKeys(['a', 'b'], ['a', 'a'])).toBeGreaterThan(0);
    expect(compareSortKeys(['a', 'b'], ['a', 'b'])).toBe(0);
  });
});

describe('compareForOrder', () => {
  const items = [
    resource(1, 'east', 'apps', 'shop', 'web'),
    resource(2, 'east', 'core', 'shop', 'api'),
    resource(3, 'west', 'apps', '', 'web'),
    resource(4, 'east', 'apps', 'admin', 'web'),
    resource(5, 'east', 'apps', 'shop', 'api'),
  ];

  it('sorts by cluster, type, namespace, name for the key order', () => {
    expect(names([...items].sort(compareForOrder('key')))).toEqual([
      'east/apps/admin/web@4',
      'east/apps/shop/api@5',
      'east/apps/shop/web@1',
      'east/core/shop/api@2',
      'west/apps//web@3',
    ]);
  });

  it('sorts by name, namespace, cluster, type for the name order', () => {
    expect(names([...items].sort(compareForOrder('name')))).toEqual([
      'east/apps/shop/api@5',
      'east/core/shop/api@2',
      'west/apps//web@3',
      'east/apps/admin/web@4',
      'east/apps/shop/web@1',
    ]);
  });

  it('sorts by revision for the revision order and reverses when descending', () => {
    expect([...items].sort(compareForOrder('revision')).map((i) => i.revision)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect([...items].sort(compareForOrder('revision', true)).map((i) => i.revision)).toEqual([
      5, 4, 3, 2, 1,
    ]);
  });
});
