/**
 * Shared data and helpers of the storage@1 conformance suite. Everything here goes
 * through the StorageLayer interface and uses only data that survives any wire codec
 * (plain objects, strings, numbers, Uint8Array), so the suite runs unchanged in process,
 * through a worker thread, or against a database.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import type {
  ListQuery,
  PutRequest,
  ResourceKey,
  StorageLayer,
  StoredResource,
} from '../../../src/contracts/storage.js';

/** Returns the storage of the test that is running. */
export type CurrentStorage = () => StorageLayer;

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A key in cluster `east`, type `apps/v1/deployments`, namespace `shop`, unless overridden. */
export function keyOf(name: string, overrides: Partial<ResourceKey> = {}): ResourceKey {
  return { cluster: 'east', type: 'apps/v1/deployments', namespace: 'shop', name, ...overrides };
}

/** A readable identity for assertions: `cluster/type/namespace/name`. */
export function idOf({ cluster, type, namespace, name }: ResourceKey): string {
  return `${cluster}/${type}/${namespace}/${name}`;
}

/** Puts a resource whose body is a small JSON document naming it. */
export async function putResource(
  storage: StorageLayer,
  key: ResourceKey,
  labels: Record<string, string> = {},
): Promise<number> {
  const request: PutRequest = { ...key, labels, body: utf8(JSON.stringify({ id: idOf(key) })) };
  return (await storage.put(request)).revision;
}

/**
 * Deletes every resource `storage` lists, through its own delete, then checks that it
 * lists nothing: the suite's reset between tests on one shared store. Deletes go 250 at
 * a time, as the large listing puts them.
 */
export async function emptyStorage(storage: StorageLayer): Promise<void> {
  const { items } = await storage.list({});
  for (let start = 0; start < items.length; start += 250) {
    await Promise.all(
      items
        .slice(start, start + 250)
        .map(({ cluster, type, namespace, name }) =>
          storage.delete({ cluster, type, namespace, name }),
        ),
    );
  }
  const left = await storage.list({});
  expect(idsOf(left.items), 'the store is empty before each test').toEqual([]);
  expect(left.continue).toBeUndefined();
}

/** Awaits `promise` and checks that it rejects with a Berth error `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/**
 * Checks that `actual` is a byte array holding exactly `expected`, without asking vitest
 * to diff a megabyte element by element.
 */
export function expectBytes(actual: unknown, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  const bytes = actual as Uint8Array;
  expect(bytes.byteLength).toBe(expected.byteLength);
  const same = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(expected);
  expect(same, 'body bytes differ from what was put').toBe(true);
}

/** Every item of a paged listing, in order, and how many pages it took. */
export interface Listing {
  items: StoredResource[];
  pages: number;
}

/**
 * Lists every page of `query`, checking each respects the limit; `between(page)` runs
 * after each page that has a successor (to write while paging).
 */
export async function listAll(
  storage: StorageLayer,
  query: ListQuery,
  between?: (page: number) => Promise<void>,
): Promise<Listing> {
  const items: StoredResource[] = [];
  let token: string | undefined;
  for (let page = 1; page <= 20_000; page += 1) {
    const result = await storage.list(token === undefined ? query : { ...query, continue: token });
    if (query.limit !== undefined) expect(result.items.length).toBeLessThanOrEqual(query.limit);
    items.push(...result.items);
    if (result.continue === undefined) return { items, pages: page };
    expect(result.continue).toBeTypeOf('string');
    token = result.continue;
    await between?.(page);
  }
  throw new Error('listing did not end after 20,000 pages');
}

/** The ids of `items`, in order. */
export function idsOf(items: readonly ResourceKey[]): string[] {
  return items.map(idOf);
}

/**
 * Five resources whose key, name and revision orders all differ; put in this order, so
 * their revisions ascend in it.
 */
export const ORDER_SEED: readonly ResourceKey[] = [
  keyOf('web'),
  keyOf('api', { type: 'core/v1/pods' }),
  keyOf('web', { cluster: 'west', namespace: '' }),
  keyOf('web', { namespace: 'admin' }),
  keyOf('api'),
];

/** The indexes into {@link ORDER_SEED} of its resources in each ascending order. */
export const ORDER_SEED_EXPECTED = {
  key: [3, 4, 0, 1, 2],
  name: [4, 1, 2, 3, 0],
  revision: [0, 1, 2, 3, 4],
} as const;

/** Puts {@link ORDER_SEED}, in order. */
export async function putOrderSeed(storage: StorageLayer): Promise<void> {
  for (const key of ORDER_SEED) await putResource(storage, key);
}

/** The ids of {@link ORDER_SEED} at the given indexes. */
export function seedIds(indexes: readonly number[]): string[] {
  return indexes.map((i) => {
    const key = ORDER_SEED[i];
    if (key === undefined) throw new Error(`no seed resource ${i}`);
    return idOf(key);
  });
}
