/**
 * Conformance: what `list` selects (filters and label selectors) and how it orders.
 */
import { describe, expect, it } from 'vitest';
import type { ListOrder, ListQuery } from '../../../src/contracts/storage.js';
import { codes } from '../../../src/errors.js';
import type { CurrentStorage } from './fixtures.js';
import {
  ORDER_SEED,
  ORDER_SEED_EXPECTED,
  expectCode,
  idsOf,
  keyOf,
  putOrderSeed,
  putResource,
  seedIds,
} from './fixtures.js';

/** Resources for the selector tests; all in one namespace, so key order is name order. */
const LABELLED: Record<string, Record<string, string>> = {
  'web-1': { app: 'web', tier: 'frontend', env: 'prod' },
  'web-2': { app: 'web', tier: 'backend', env: 'staging' },
  'db-1': { app: 'db', tier: 'backend' },
  bare: {},
  legacy: { app: 'web', legacy: 'true', env: '' },
  team: { 'example.com/team': 'core' },
};

/** Registers the selection and ordering tests against the storage `current()` returns. */
export function describeQueries(current: CurrentStorage): void {
  const names = async (query: ListQuery): Promise<string[]> =>
    (await current().list(query)).items.map((item) => item.name);

  describe('filters', () => {
    it('lists everything, in key order, with an empty query', async () => {
      await putOrderSeed(current());
      expect(idsOf((await current().list({})).items)).toEqual(seedIds(ORDER_SEED_EXPECTED.key));
    });

    it.each<[string, ListQuery, number[]]>([
      ['cluster', { cluster: 'east' }, [3, 4, 0, 1]],
      ['type', { type: 'apps/v1/deployments' }, [3, 4, 0, 2]],
      ['namespace', { namespace: 'shop' }, [4, 0, 1]],
      ['the empty namespace (cluster-scoped)', { namespace: '' }, [2]],
      ['name prefix', { namePrefix: 'w' }, [3, 0, 2]],
      [
        'every filter at once',
        { cluster: 'east', type: 'apps/v1/deployments', namespace: 'shop', namePrefix: 'a' },
        [4],
      ],
      ['a cluster nobody has', { cluster: 'north' }, []],
    ])('filters by %s', async (_, query, expected) => {
      await putOrderSeed(current());
      expect(idsOf((await current().list(query)).items)).toEqual(seedIds(expected));
    });

    it('matches name prefixes literally and case-sensitively', async () => {
      for (const name of ['a_c', 'abc', 'a%c', 'A_c', 'a\\c', 'ab']) {
        await putResource(current(), keyOf(name));
      }
      expect(await names({ namePrefix: 'a_' })).toEqual(['a_c']);
      expect(await names({ namePrefix: 'a%' })).toEqual(['a%c']);
      expect(await names({ namePrefix: 'a\\' })).toEqual(['a\\c']);
      expect(await names({ namePrefix: 'A' })).toEqual(['A_c']);
      expect(await names({ namePrefix: 'ab' })).toEqual(['ab', 'abc']);
      expect(await names({ namePrefix: '' })).toHaveLength(6);
    });

    it('lists a deleted resource no more', async () => {
      await putOrderSeed(current());
      await current().delete(keyOf('web'));
      expect(idsOf((await current().list({})).items)).toEqual(seedIds([3, 4, 1, 2]));
    });
  });

  describe('label selectors', () => {
    const seed = async (): Promise<void> => {
      for (const [name, labels] of Object.entries(LABELLED)) {
        await putResource(current(), keyOf(name), labels);
      }
    };

    it.each<[string, string[]]>([
      ['app=web', ['legacy', 'web-1', 'web-2']],
      ['app==web', ['legacy', 'web-1', 'web-2']],
      ['app!=web', ['bare', 'db-1', 'team']],
      ['env in (prod,staging)', ['web-1', 'web-2']],
      ['env notin (prod)', ['bare', 'db-1', 'legacy', 'team', 'web-2']],
      ['legacy', ['legacy']],
      ['!legacy', ['bare', 'db-1', 'team', 'web-1', 'web-2']],
      ['env=', ['legacy']],
      ['env', ['legacy', 'web-1', 'web-2']],
      ['example.com/team=core', ['team']],
      ['app=web,tier!=frontend,!legacy', ['web-2']],
      ['tier in (backend),app notin (web)', ['db-1']],
      ['  app = web ,  env in ( prod )  ', ['web-1']],
      ['app=cache', []],
      ['missing', []],
      ['', ['bare', 'db-1', 'legacy', 'team', 'web-1', 'web-2']],
    ])('selects %j', async (selector, expected) => {
      await seed();
      expect(await names({ labelSelector: selector })).toEqual(expected);
    });

    it('follows label changes and deletes', async () => {
      await seed();
      await putResource(current(), keyOf('web-1'), { app: 'db' });
      await current().delete(keyOf('db-1'));
      expect(await names({ labelSelector: 'app=db' })).toEqual(['web-1']);
      expect(await names({ labelSelector: 'tier=frontend' })).toEqual([]);
      expect(await names({ labelSelector: 'app in (db,web)' })).toEqual([
        'legacy',
        'web-1',
        'web-2',
      ]);
    });

    it('combines a selector with the other filters', async () => {
      await seed();
      await putResource(current(), keyOf('web-3', { namespace: 'admin' }), { app: 'web' });
      expect(await names({ labelSelector: 'app=web', namespace: 'admin' })).toEqual(['web-3']);
      expect(await names({ labelSelector: 'app=web', namePrefix: 'web' })).toEqual([
        'web-3',
        'web-1',
        'web-2',
      ]);
    });

    it.each(['app in (web', 'app=web,', '!', 'app web', '-bad=1'])(
      'refuses the malformed selector %j with INVALID_ARGUMENT',
      async (selector) => {
        await seed();
        await expectCode(current().list({ labelSelector: selector }), codes.INVALID_ARGUMENT);
      },
    );
  });

  describe('ordering', () => {
    const cases = (['key', 'name', 'revision'] as const).flatMap((order) => [
      [order, false] as [ListOrder, boolean],
      [order, true] as [ListOrder, boolean],
    ]);

    it.each(cases)('orders by %s (descending: %s)', async (orderBy, descending) => {
      await putOrderSeed(current());
      const expected = seedIds(ORDER_SEED_EXPECTED[orderBy]);
      const { items } = await current().list({ orderBy, descending });
      expect(idsOf(items)).toEqual(descending ? expected.reverse() : expected);
    });

    it('moves an updated resource to the end of the revision order', async () => {
      await putOrderSeed(current());
      const first = ORDER_SEED[0];
      if (first === undefined) throw new Error('empty seed');
      await putResource(current(), first);
      const { items } = await current().list({ orderBy: 'revision' });
      expect(idsOf(items)).toEqual(seedIds([1, 2, 3, 4, 0]));
      const revisions = items.map((item) => item.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    });

    it('refuses an unknown order with INVALID_ARGUMENT', async () => {
      await expectCode(current().list({ orderBy: 'size' as ListOrder }), codes.INVALID_ARGUMENT);
    });
  });
}
