/**
 * The sort orders of `list`, defined once so every storage plugin orders (and pages)
 * identically.
 *
 * Strings compare by Unicode code point, which is also UTF-8 byte order: what SQLite's
 * `BINARY` collation and PostgreSQL's `COLLATE "C"` give, and not what JavaScript's `<`
 * gives (it compares UTF-16 code units, which puts U+10000.. before U+E000..U+FFFF).
 * No Unicode normalisation happens: `é` and `e\u0301` are different names.
 */
import type { ListOrder, ResourceKey } from './storage.js';

/** Every `ListOrder`, for validation and help texts. */
export const LIST_ORDERS: readonly ListOrder[] = ['key', 'name', 'revision'];

/** The order of a query that names none. */
export const DEFAULT_LIST_ORDER: ListOrder = 'key';

/** What an order sorts on: a resource's key and its revision. */
export type Sortable = ResourceKey & { readonly revision: number };

/**
 * The tuple an order sorts by, compared element by element with {@link compareSortKeys}:
 * - `key`: cluster, type, namespace, name
 * - `name`: name, namespace, cluster, type
 * - `revision`: revision, then cluster, type, namespace, name
 *
 * Each tuple ends with (or is) the full key, so no two resources share one: the order is
 * total, which keyset paging needs.
 */
export type SortKey = readonly (string | number)[];

/** The sort key of `resource` under `order`. */
export function sortKeyOf(resource: Sortable, order: ListOrder): SortKey {
  const { cluster, type, namespace, name } = resource;
  switch (order) {
    case 'key':
      return [cluster, type, namespace, name];
    case 'name':
      return [name, namespace, cluster, type];
    case 'revision':
      return [resource.revision, cluster, type, namespace, name];
  }
}

/** The element types of a sort key of `order`, in order; used to check decoded tokens. */
export function sortKeyShape(order: ListOrder): readonly ('string' | 'number')[] {
  return order === 'revision'
    ? ['number', 'string', 'string', 'string', 'string']
    : ['string', 'string', 'string', 'string'];
}

/**
 * Compares two strings by Unicode code point: negative, zero or positive like
 * `Array.prototype.sort` expects.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * Maps a UTF-16 code unit to a rank in code point order. Surrogates (0xD800-0xDFFF) only
 * begin code points above 0xFFFF, so they rank above 0xE000-0xFFFF; the first differing
 * unit of two well-formed strings then decides as their code points would.
 */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Compares two sort keys of the same order, element by element (ascending). */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a[i];
    const y = b[i];
    let result: number;
    if (typeof x === 'number' && typeof y === 'number') result = x - y;
    else if (typeof x === 'string' && typeof y === 'string') result = compareStrings(x, y);
    // Mixed types cannot occur within one order; rank numbers first to stay total anyway.
    else result = typeof x === 'number' ? -1 : 1;
    if (result !== 0) return result;
  }
  return a.length - b.length;
}

/**
 * A comparator putting resources in `order`, reversed when `descending`; for
 * `Array.prototype.sort`. It recomputes sort keys per comparison, so for large arrays
 * sort precomputed keys with {@link compareSortKeys} instead.
 */
export function compareForOrder(
  order: ListOrder,
  descending = false,
): (a: Sortable, b: Sortable) => number {
  const sign = descending ? -1 : 1;
  return (a, b) => sign * compareSortKeys(sortKeyOf(a, order), sortKeyOf(b, order));
}
