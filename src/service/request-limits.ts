/**
 * The service's limits on the names in a request path, in one place: the routes check
 * them, the router is set loose enough that they (not it) decide, and the README's
 * "Limits" table lists them.
 *
 * Lengths follow Kubernetes: a name is a DNS subdomain (253), a namespace a DNS label
 * (63), a group a DNS subdomain, a version and a resource (plural) a DNS label. Dubbo's
 * applications and revisions get a name's limit; service definition identifiers (an
 * interface, a group, a version and a side joined) get the storage contract's whole
 * {@link MAX_KEY_FIELD_LENGTH}. Every limit is at most that, so nothing the route takes
 * is refused by the storage plugin; `group/version/resource` together also fit in it.
 *
 * Only lengths and the characters that would make two paths address one stored object
 * are checked, not Kubernetes' character sets: the store keeps any string.
 */
import { BerthError, codes, MAX_KEY_FIELD_LENGTH } from '../index.js';

/** The longest value of each path segment, in UTF-16 code units (after percent-decoding). */
export const PATH_LIMITS = {
  cluster: 253,
  group: 253,
  version: 63,
  resource: 63,
  namespace: 63,
  name: 253,
  application: 253,
  revision: 253,
  identifier: MAX_KEY_FIELD_LENGTH,
} as const satisfies Record<string, number>;

/** A path segment the service checks. */
export type PathField = keyof typeof PATH_LIMITS;

/**
 * The router's own limit on a raw (still percent-encoded) segment: three characters per
 * code unit of the longest limit, so that any segment within its limit reaches the
 * route, whatever it escapes, and the route answers 400 naming the field.
 */
export const MAX_ROUTER_PARAM_LENGTH = 3 * MAX_KEY_FIELD_LENGTH;

/**
 * Segments joined into one stored field (`{group}/{version}/{resource}` is the type): a
 * `/` inside one of them would let two paths address the same object.
 */
const JOINED: ReadonlySet<PathField> = new Set(['group', 'version', 'resource']);

/**
 * Returns `value` if it may be the path segment `field`: not empty, at most
 * `PATH_LIMITS[field]` long, and without `/` where segments are joined. Throws
 * BERTH_ERR_INVALID_ARGUMENT naming the field, the limit and the fix otherwise.
 */
export function checkPathSegment(field: PathField, value: string): string {
  const limit = PATH_LIMITS[field];
  const fail = (problem: string): never => {
    throw new BerthError(codes.INVALID_ARGUMENT, `the path's ${field} ${problem}`, {
      data: { field },
    });
  };
  if (value === '') fail('is empty');
  if (value.length > limit) {
    fail(`is ${value.length} characters long; at most ${limit} are allowed`);
  }
  if (JOINED.has(field) && value.includes('/')) {
    fail(`contains "/" (sent as %2F); a ${field} has no "/"`);
  }
  return value;
}

/** Checks every parameter of `params` that names a {@link PathField}; returns `params`. */
export function checkPathParams<T extends Partial<Record<PathField, string>>>(params: T): T {
  for (const [field, value] of Object.entries(params)) {
    if (typeof value === 'string' && Object.hasOwn(PATH_LIMITS, field)) {
      checkPathSegment(field as PathField, value);
    }
  }
  return params;
}
