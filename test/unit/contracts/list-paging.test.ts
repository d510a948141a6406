import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  decodeContinue,
  encodeContinue,
  queryFingerprint,
} from '../../../src/contracts/continue-token.js';
import { matchesListPlan, planList, takePage } from '../../../src/contracts/list-paging.js';
import type { ListPlan } from '../../../src/contracts/list-paging.js';
import type { ListQuery, StoredResource } from '../../../src/contracts/storage.js';
import { codes } from '../../../src/errors.js';

const invalid = expect.objectContaining({ code: codes.INVALID_ARGUMENT });

function resource(revision: number, name: string, labels: Record<string, string> = {}) {
  return {
    cluster: 'c',
    type: 'core/v1/pods',
    namespace: 'ns',
    name,
    revision,
    labels,
    body: new Uint8Array(),
  } satisfies StoredResource;
}

/** Pages through `items` with `query`, running `between` after each page. */
function pageAll(
  items: () => StoredResource[],
  query: ListQuery,
  between: (page: number) => void = () => undefined,
): string[] {
  const seen: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const plan = planList(token === undefined ? query : { ...query, continue: token });
    const result = takePage(
      items().filter((r) => matchesListPlan(r, plan)),
      plan,
    );
    seen.push(...result.items.map((r) => r.name));
    if (result.continue === undefined) return seen;
    token = result.continue;
    between(page);
  }
  throw new Error('paging did not end');
}

describe('planList', () => {
  it('defaults to the key order, ascending, without a limit or cursor', () => {
    const plan = planList({});
    expect(plan).toMatchObject({ order: 'key', descending: false, filters: {}, requirements: [] });
    expect(plan.limit).toBeUndefined();
    expect(plan.after).toBeUndefined();
  });

  it('parses the selector and keeps only the given filters', () => {
    const plan = planList({ namespace: '', namePrefix: 'we', labelSelector: 'app=web' });
    expect(plan.filters).toEqual({ namespace: '', namePrefix: 'we' });
    expect(plan.requirements).toEqual([{ key: 'app', operator: 'equals', values: ['web'] }]);
  });

  it('refuses a bad selector, a bad field and a garbled token', () => {
    expect(() => planList({ labelSelector: 'a in (' })).toThrow(invalid);
    expect(() => planList({ limit: 0 })).toThrow(invalid);
    expect(() => planList({ continue: 'not a token!' })).toThrow(invalid);
  });
});

describe('continue tokens', () => {
  const plan = planList({ cluster: 'c', labelSelector: 'a=1,b=2', orderBy: 'name' });

  it('round-trips the last item’s sort key', () => {
    const token = encodeContinue(plan, resource(3, 'web'));
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContinue(plan, token)).toEqual(['web', 'ns', 'c', 'core/v1/pods']);
  });

  it('is accepted when only the limit changes or selector terms are reordered', () => {
    const token = encodeContinue(plan, resource(3, 'web'));
    const query = { cluster: 'c', labelSelector: ' b = 2 , a == 1', orderBy: 'name' as const };
    expect(planList({ ...query, limit: 7, continue: token }).after).toEqual([
      'web',
      'ns',
      'c',
      'core/v1/pods',
    ]);
  });

  it.each<[string, ListQuery]>([
    ['another cluster', { cluster: 'd', labelSelector: 'a=1,b=2', orderBy: 'name' }],
    ['no cluster filter', { labelSelector: 'a=1,b=2', orderBy: 'name' }],
    ['another selector', { cluster: 'c', labelSelector: 'a=1', orderBy: 'name' }],
    ['a name prefix', { cluster: 'c', labelSelector: 'a=1,b=2', orderBy: 'name', namePrefix: 'w' }],
    ['another order', { cluster: 'c', labelSelector: 'a=1,b=2', orderBy: 'key' }],
    [
      'the other direction',
      { cluster: 'c', labelSelector: 'a=1,b=2', orderBy: 'name', descending: true },
    ],
  ])('is refused by a query with %s', (_, query) => {
    const token = encodeContinue(plan, resource(3, 'web'));
    expect(() => planList({ ...query, continue: token })).toThrow(
      expect.objectContaining({ code: codes.INVALID_ARGUMENT, data: { field: 'continue' } }),
    );
  });

  it('tells namespace "" (cluster-scoped) apart from no namespace filter', () => {
    expect(queryFingerprint({ namespace: '' })).not.toBe(queryFingerprint({}));
  });

  it.each([
    ['random text', 'hello'],
    ['base64 of non-JSON', Buffer.from('nope').toString('base64url')],
    ['JSON of another shape', Buffer.from('{"v":1}').toString('base64url')],
    [
      'a future version',
      Buffer.from(
        JSON.stringify({ v: 2, o: 'name', d: false, f: plan.fingerprint, k: ['a', 'b', 'c', 'd'] }),
      ).toString('base64url'),
    ],
    [
      'a key of the wrong length',
      Buffer.from(
        JSON.stringify({ v: 1, o: 'name', d: false, f: plan.fingerprint, k: ['a'] }),
      ).toString('base64url'),
    ],
    [
      'a key of the wrong types',
      Buffer.from(
        JSON.stringify({ v: 1, o: 'name', d: false, f: plan.fingerprint, k: [1, 2, 3, 4] }),
      ).toString('base64url'),
    ],
    ['characters outside base64url', 'abc+/='],
    ['an overlong string', 'a'.repeat(20_000)],
  ])('refuses %s as garbled', (_, token) => {
    expect(() => decodeContinue(plan, token)).toThrow(invalid);
  });
});

describe('takePage', () => {
  const items = ['e', 'a', 'd', 'b', 'c'].map((name, i) => resource(i + 1, name));

  it('returns every item, sorted, and no token without a limit', () => {
    const page = takePage(items, planList({}));
    expect(page.items.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(page).not.toHaveProperty('continue');
  });

  it('gives a token exactly when more items follow', () => {
    expect(takePage(items, planList({ limit: 4 })).continue).toBeTypeOf('string');
    expect(takePage(items, planList({ limit: 5 }))).not.toHaveProperty('continue');
  });

  it('pages through every order and direction without repeats or gaps', () => {
    for (const orderBy of ['key', 'name', 'revision'] as const) {
      for (const descending of [false, true]) {
        const seen = pageAll(() => items, { orderBy, descending, limit: 2 });
        const expected = [...items]
          .sort((a, b) =>
            orderBy === 'revision' ? a.revision - b.revision : a.name < b.name ? -1 : 1,
          )
          .map((r) => r.name);
        expect(seen).toEqual(descending ? expected.reverse() : expected);
      }
    }
  });

  it('neither skips nor repeats items present throughout while others come and go', () => {
    let live = ['b', 'd', 'f', 'h', 'j', 'l'].map((name, i) => resource(i + 1, name));
    const seen = pageAll(
      () => live,
      { limit: 2 },
      (page) => {
        // Insert before and after the cursor, and delete an item not yet reached.
        live = [...live, resource(100 + page, `a${page}`), resource(200 + page, `k${page}`)];
        if (page === 0) live = live.filter((r) => r.name !== 'h');
      },
    );
    for (const name of ['b', 'd', 'f', 'j', 'l']) {
      expect(seen.filter((n) => n === name)).toHaveLength(1);
    }
    expect(seen).not.toContain('h');
    expect(seen).not.toContain('a0');
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('matchesListPlan', () => {
  const match = (query: ListQuery, r = resource(1, 'web-1', { app: 'web' })): boolean =>
    matchesListPlan(r, planList(query) satisfies ListPlan);

  it('applies every filter and the selector', () => {
    expect(match({})).toBe(true);
    expect(match({ cluster: 'c', type: 'core/v1/pods', namespace: 'ns' })).toBe(true);
    expect(match({ cluster: 'd' })).toBe(false);
    expect(match({ type: 'apps/v1/deployments' })).toBe(false);
    expect(match({ namespace: '' })).toBe(false);
    expect(match({ namePrefix: 'web-' })).toBe(true);
    expect(match({ namePrefix: 'Web' })).toBe(false);
    expect(match({ labelSelector: 'app=web' })).toBe(true);
    expect(match({ labelSelector: 'app!=web' })).toBe(false);
  });
});
