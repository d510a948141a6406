/**
 * Conformance: limits, continue tokens and paging while others write, up to 10,000 items.
 */
import { describe, expect, it } from 'vitest';
import { compareForOrder } from '../../../src/contracts/list-order.js';
import type { ListOrder, ResourceKey } from '../../../src/contracts/storage.js';
import { codes } from '../../../src/errors.js';
import type { CurrentStorage } from './fixtures.js';
import {
  ORDER_SEED_EXPECTED,
  expectCode,
  idOf,
  idsOf,
  keyOf,
  listAll,
  putOrderSeed,
  putResource,
  seedIds,
} from './fixtures.js';

const ORDERS: [ListOrder, boolean][] = (['key', 'name', 'revision'] as const).flatMap((order) => [
  [order, false] as [ListOrder, boolean],
  [order, true] as [ListOrder, boolean],
]);

/** Twenty resources over two namespaces and two types, so every order interleaves them. */
function pagingSeed(): ResourceKey[] {
  return Array.from({ length: 20 }, (_, i) =>
    keyOf(`item-${String(i).padStart(2, '0')}`, {
      namespace: i % 2 === 0 ? 'shop' : 'admin',
      type: i % 3 === 0 ? 'core/v1/pods' : 'apps/v1/deployments',
    }),
  );
}

/** Registers the paging tests against the storage `current()` returns. */
export function describePaging(current: CurrentStorage): void {
  describe('limits and continue tokens', () => {
    it('returns everything and no continue token without a limit', async () => {
      await putOrderSeed(current());
      const result = await current().list({});
      expect(result.items).toHaveLength(5);
      expect(result.continue).toBeUndefined();
    });

    it.each(ORDERS)(
      'pages by %s (descending: %s) through every item once, in order',
      async (orderBy, descending) => {
        await putOrderSeed(current());
        const expected = seedIds(ORDER_SEED_EXPECTED[orderBy]);
        const { items, pages } = await listAll(current(), { orderBy, descending, limit: 2 });
        expect(idsOf(items)).toEqual(descending ? expected.reverse() : expected);
        expect(pages).toBeGreaterThanOrEqual(3);
      },
    );

    it('continues where it left off when the page size changes between pages', async () => {
      await putOrderSeed(current());
      const first = await current().list({ limit: 1 });
      expect(first.continue).toBeTypeOf('string');
      const rest = await current().list({ limit: 3, continue: first.continue ?? '' });
      const last = await current().list({ limit: 3, continue: rest.continue ?? '' });
      expect(idsOf([...first.items, ...rest.items, ...last.items])).toEqual(
        seedIds(ORDER_SEED_EXPECTED.key),
      );
    });

    it('pages a filtered, label-selected query', async () => {
      for (const [i, key] of pagingSeed().entries()) {
        await putResource(current(), key, { parity: i % 2 === 0 ? 'even' : 'odd' });
      }
      const query = { namespace: 'shop', labelSelector: 'parity=even', limit: 3 } as const;
      const { items } = await listAll(current(), query);
      expect(items).toHaveLength(10);
      expect(items.every((item) => item.namespace === 'shop')).toBe(true);
    });

    it.each([
      ['another filter', { cluster: 'west', limit: 2 }],
      ['another selector', { cluster: 'east', labelSelector: 'app=web', limit: 2 }],
      ['another order', { cluster: 'east', orderBy: 'name' as const, limit: 2 }],
      ['the other direction', { cluster: 'east', descending: true, limit: 2 }],
    ])('refuses a continue token used with %s', async (_, query) => {
      await putOrderSeed(current());
      const token = (await current().list({ cluster: 'east', limit: 2 })).continue;
      expect(token).toBeTypeOf('string');
      await expectCode(current().list({ ...query, continue: token ?? '' }), codes.INVALID_ARGUMENT);
    });

    it('refuses a garbled continue token', async () => {
      await putOrderSeed(current());
      const token = (await current().list({ limit: 2 })).continue ?? '';
      await expectCode(
        current().list({ limit: 2, continue: 'not a token' }),
        codes.INVALID_ARGUMENT,
      );
      await expectCode(
        current().list({ limit: 2, continue: token.slice(0, Math.floor(token.length / 2)) }),
        codes.INVALID_ARGUMENT,
      );
    });

    it.each([0, -1, 1.5, 10_001])('refuses the limit %s', async (limit) => {
      await expectCode(current().list({ limit }), codes.INVALID_ARGUMENT);
    });
  });

  describe('paging while others write', () => {
    it.each(ORDERS)(
      'by %s (descending: %s) neither skips nor repeats items present throughout',
      async (orderBy, descending) => {
        const seed = pagingSeed();
        for (const key of seed) await putResource(current(), key);
        // Deleted mid-listing, one per page: they may or may not appear, but never twice.
        const doomed = [1, 8, 13, 19].map((i) => seed[i]).filter((key) => key !== undefined);
        const query = { orderBy, descending, limit: 3 };
        const { items } = await listAll(current(), query, async (page) => {
          // New items that sort before and after any cursor.
          await putResource(current(), keyOf(`aaa-${page}`));
          await putResource(current(), keyOf(`zzz-${page}`, { cluster: 'zulu' }));
          const victim = doomed[page - 1];
          if (victim !== undefined) await current().delete(victim);
        });
        const seen = idsOf(items);
        expect(new Set(seen).size, 'no item may appear twice').toBe(seen.length);
        for (const key of seed.filter((k) => !doomed.includes(k))) {
          expect(seen, `${idOf(key)} was present throughout`).toContain(idOf(key));
        }
        const inOrder = [...items].sort(compareForOrder(orderBy, descending));
        expect(seen).toEqual(idsOf(inOrder));
      },
    );

    it.each(['key', 'name'] as const)(
      'by %s neither skips nor repeats items updated between pages',
      async (orderBy) => {
        const seed = pagingSeed();
        for (const key of seed) await putResource(current(), key);
        const { items } = await listAll(current(), { orderBy, limit: 4 }, async () => {
          for (const key of seed) await putResource(current(), key, { touched: 'yes' });
        });
        expect(idsOf(items).sort()).toEqual(idsOf(seed).sort());
      },
    );
  });

  describe('large listings', () => {
    // 10,000 durable writes (fsync each, on SQLite) on a loaded 2-core CI machine: a bound, not a speed claim.
    it(
      'lists 10,000 resources in one call and in pages of 1,000',
      { timeout: 90_000 },
      async () => {
        const keys = Array.from({ length: 10_000 }, (_, i) =>
          keyOf(`r-${String(i).padStart(5, '0')}`, { namespace: `ns-${i % 7}` }),
        );
        for (let start = 0; start < keys.length; start += 250) {
          await Promise.all(
            keys
              .slice(start, start + 250)
              .map((key, i) =>
                putResource(current(), key, { parity: (start + i) % 2 ? 'odd' : 'even' }),
              ),
          );
        }
        const expected = idsOf(
          keys.map((key) => ({ ...key, revision: 0 })).sort(compareForOrder('key')),
        );
        const all = await current().list({});
        expect(all.continue).toBeUndefined();
        expect(idsOf(all.items)).toEqual(expected);
        const paged = await listAll(current(), { limit: 1_000 });
        expect(idsOf(paged.items)).toEqual(expected);
        expect(paged.pages).toBeGreaterThanOrEqual(10);
        expect((await current().list({ labelSelector: 'parity=odd' })).items).toHaveLength(5_000);
        const full = await current().list({ limit: 10_000 });
        expect(full.items).toHaveLength(10_000);
      },
    );
  });
}
