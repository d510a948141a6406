/**
 * One `list` request, planned: the checked query, its parsed selector, its order and
 * where the page resumes; and, for stores that filter in memory, the filter and the page
 * cut. A SQL store uses `planList` and `encodeContinue`, and does the rest in SQL:
 *
 *   WHERE <filters> AND (cluster, type, namespace, name) > ($after...)   -- keyset
 *   ORDER BY cluster, type, namespace, name LIMIT $limit + 1             -- one extra row
 *
 * Paging guarantee (every order): an item that exists, and keeps its sort key, from the
 * first page to the last appears exactly once. Items created or deleted meanwhile may
 * or may not appear, each at most once. The `key` and `name` orders sort on the key
 * alone, so updates never move an item; in the `revision` order every write gives an
 * item a new, higher revision, so an item updated mid-listing moves: ascending it may
 * appear twice, descending it may be missed.
 */
import assert from 'node:assert';
import { decodeContinue, encodeContinue, queryFingerprint } from './continue-token.js';
import type { ContinueScope } from './continue-token.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';
import type { LabelRequirement } from './label-selector.js';
import { DEFAULT_LIST_ORDER, compareSortKeys, sortKeyOf } from './list-order.js';
import type { SortKey, Sortable } from './list-order.js';
import { validateListQuery } from './request-validation.js';
import type { ListQuery } from './storage.js';

/** The filters of a query that are plain comparisons of key fields. */
export type KeyFilters = Pick<ListQuery, 'cluster' | 'type' | 'namespace' | 'namePrefix'>;

/** A checked, parsed `list` request. */
export interface ListPlan extends ContinueScope {
  readonly filters: Readonly<KeyFilters>;
  /** The label selector, parsed; empty when the query has none. */
  readonly requirements: readonly LabelRequirement[];
  /** Page size; undefined means all matching items in one page. */
  readonly limit: number | undefined;
  /** The sort key of the previous page's last item; results come strictly after it. */
  readonly after: SortKey | undefined;
}

/** One page: the items, and the token for the next page when more items may follow. */
export interface ListPage<R> {
  items: R[];
  continue?: string;
}

/**
 * Checks a list query as received from the wire and plans it. Throws
 * `BERTH_ERR_INVALID_ARGUMENT` for a bad field, a bad selector or a continue token that
 * is garbled or belongs to another query.
 */
export function planList(input: unknown): ListPlan {
  const query = validateListQuery(input);
  const requirements = parseLabelSelector(query.labelSelector ?? '');
  const scope: ContinueScope = {
    order: query.orderBy ?? DEFAULT_LIST_ORDER,
    descending: query.descending ?? false,
    fingerprint: queryFingerprint(query, requirements),
  };
  const filters: KeyFilters = {};
  for (const field of ['cluster', 'type', 'namespace', 'namePrefix'] as const) {
    const value = query[field];
    if (value !== undefined) filters[field] = value;
  }
  return {
    ...scope,
    filters,
    requirements,
    limit: query.limit,
    after: query.continue === undefined ? undefined : decodeContinue(scope, query.continue),
  };
}

/** True when `resource` passes every filter and label requirement of `plan`. */
export function matchesListPlan(
  resource: Sortable & { readonly labels: Readonly<Record<string, string>> },
  plan: ListPlan,
): boolean {
  const { cluster, type, namespace, namePrefix } = plan.filters;
  return (
    (cluster === undefined || resource.cluster === cluster) &&
    (type === undefined || resource.type === type) &&
    (namespace === undefined || resource.namespace === namespace) &&
    (namePrefix === undefined || resource.name.startsWith(namePrefix)) &&
    matchesLabels(plan.requirements, resource.labels)
  );
}

/**
 * Cuts one page from `matches` (items that already pass the plan's filters, in any
 * order): drops those not strictly after the cursor, sorts the rest in the plan's order
 * and direction, and keeps `limit` of them. The page carries a continue token exactly
 * when more items follow it.
 */
export function takePage<R extends Sortable>(matches: Iterable<R>, plan: ListPlan): ListPage<R> {
  const sign = plan.descending ? -1 : 1;
  const rows: { item: R; key: SortKey }[] = [];
  for (const item of matches) {
    const key = sortKeyOf(item, plan.order);
    if (plan.after !== undefined && sign * compareSortKeys(key, plan.after) <= 0) continue;
    rows.push({ item, key });
  }
  // Keys are computed once per item rather than once per comparison.
  rows.sort((a, b) => sign * compareSortKeys(a.key, b.key));
  if (plan.limit === undefined || rows.length <= plan.limit) {
    return { items: rows.map((row) => row.item) };
  }
  const items = rows.slice(0, plan.limit).map((row) => row.item);
  const last = items.at(-1);
  assert(last !== undefined, 'a limit is at least 1, so a cut page is never empty');
  return { items, continue: encodeContinue(plan, last) };
}
