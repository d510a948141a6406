/**
 * Continue tokens: where the next page of a `list` starts.
 *
 * A token is base64url of a small JSON object:
 *
 *   { "v": 1, "o": "key", "d": false, "f": "<fingerprint>", "k": ["east", "apps/v1/…", …] }
 *
 * `o` and `d` are the order and direction, `f` fingerprints the query's filters, `k` is
 * the sort key of the last item returned. The next page starts strictly after `k`
 * (keyset paging), so a write between pages never shifts later pages the way an offset
 * would. Tokens are opaque to callers but not secret or signed: an edited token can only
 * move the resume point within the same query, which the caller could do anyway.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { BerthError, codes } from '../errors.js';
import { parseLabelSelector } from './label-selector.js';
import type { LabelRequirement } from './label-selector.js';
import { LIST_ORDERS, compareStrings, sortKeyOf, sortKeyShape } from './list-order.js';
import type { SortKey, Sortable } from './list-order.js';
import type { ListOrder, ListQuery } from './storage.js';

/** What a token is bound to: a token is accepted only by a query with the same scope. */
export interface ContinueScope {
  readonly order: ListOrder;
  readonly descending: boolean;
  /** From {@link queryFingerprint}. */
  readonly fingerprint: string;
}

const TOKEN_VERSION = 1;
/** Far above any real token (the key fields are bounded), so garbage is refused unread. */
const MAX_TOKEN_LENGTH = 16_384;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A short digest of a query's filters: cluster, type, namespace, name prefix and label
 * requirements (as a set, so `a=1,b=2` and `b=2,a=1` agree). Order, direction, limit and
 * the token itself are not part of it: the limit may change from page to page.
 */
export function queryFingerprint(
  query: ListQuery,
  requirements: readonly LabelRequirement[] = parseLabelSelector(query.labelSelector ?? ''),
): string {
  const terms = [
    ...new Set(
      requirements.map((r) =>
        JSON.stringify([r.key, r.operator, [...r.values].sort(compareStrings)]),
      ),
    ),
  ].sort(compareStrings);
  const filters = [query.cluster, query.type, query.namespace, query.namePrefix].map(
    (filter) => filter ?? null,
  );
  return createHash('sha256')
    .update(JSON.stringify([filters, terms]))
    .digest('base64url')
    .slice(0, 22);
}

/** The token for the page that follows `last`, the last item of the current page. */
export function encodeContinue(scope: ContinueScope, last: Sortable): string {
  const body = {
    v: TOKEN_VERSION,
    o: scope.order,
    d: scope.descending,
    f: scope.fingerprint,
    k: sortKeyOf(last, scope.order),
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The sort key a page resumes after. Throws `BERTH_ERR_INVALID_ARGUMENT` (`data.field`
 * `continue`) when the token is garbled or was issued for another order, direction or
 * set of filters.
 */
export function decodeContinue(scope: ContinueScope, token: string): SortKey {
  const parsed = parseToken(token);
  if (parsed === undefined) refuse('is malformed');
  if (parsed.order !== scope.order || parsed.descending !== scope.descending) {
    refuse(
      `was issued for orderBy "${parsed.order}" ${parsed.descending ? 'descending' : 'ascending'}, ` +
        `not "${scope.order}" ${scope.descending ? 'descending' : 'ascending'}`,
    );
  }
  if (parsed.fingerprint !== scope.fingerprint) refuse('was issued for a query with other filters');
  return parsed.key;
}

interface ParsedToken {
  order: ListOrder;
  descending: boolean;
  fingerprint: string;
  key: SortKey;
}

/** The token's contents, or undefined when it is not a token this version wrote. */
function parseToken(token: string): ParsedToken | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) {
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { v, o, d, f, k } = body as Record<string, unknown>;
  if (v !== TOKEN_VERSION || typeof d !== 'boolean' || typeof f !== 'string') return undefined;
  if (!LIST_ORDERS.includes(o as ListOrder) || !Array.isArray(k)) return undefined;
  const order = o as ListOrder;
  const shape = sortKeyShape(order);
  if (k.length !== shape.length) return undefined;
  const wellTyped = shape.every((type, i) => {
    const element: unknown = k[i];
    return type === 'number'
      ? Number.isSafeInteger(element) && (element as number) >= 0
      : typeof element === 'string';
  });
  return wellTyped ? { order, descending: d, fingerprint: f, key: k as SortKey } : undefined;
}

function refuse(problem: string): never {
  throw new BerthError(codes.INVALID_ARGUMENT, `Invalid list query: "continue" token ${problem}`, {
    data: { field: 'continue' },
  });
}
