/**
 * Checks of the storage@1 requests a plugin receives. Requests arrive decoded from the
 * wire, so nothing about their shape is known; a storage plugin runs these first and
 * works with the typed copies they return.
 *
 * Every failure throws `BERTH_ERR_INVALID_ARGUMENT` whose message names the field and
 * whose `data.field` holds it (`''` when the request itself is not an object). Optional fields may be `undefined` or `null` (both mean
 * absent: codecs differ in which one they produce); unknown fields are ignored.
 *
 * Key fields are restricted to what every bundled store can keep and order alike: at
 * most {@link MAX_KEY_FIELD_LENGTH} characters, no NUL (PostgreSQL text refuses it) and
 * no unpaired surrogate (it has no UTF-8 form, so it would not survive the wire).
 */
import { BerthError, codes } from '../errors.js';
import { isValidLabelKey, isValidLabelValue, parseLabelSelector } from './label-selector.js';
import { LIST_ORDERS } from './list-order.js';
import type { DeleteRequest, ListOrder, ListQuery, PutRequest, ResourceKey } from './storage.js';
import { isPlainObject } from '../plain-object.js';

/** The largest `limit` a list may ask for; larger values are refused, not clamped. */
export const MAX_LIST_LIMIT = 10_000;

/** The longest cluster, type, namespace, name or name prefix, in UTF-16 code units. */
export const MAX_KEY_FIELD_LENGTH = 512;

type Fields = Record<string, unknown>;

/**
 * Returns `{ cluster, type, namespace, name }` from `value` after checking it: cluster,
 * type and name non-empty, namespace possibly empty.
 */
export function validateResourceKey(value: unknown, what = 'resource key'): ResourceKey {
  const input = requireObject(value, what);
  return {
    cluster: keyField(input, 'cluster', what, false),
    type: keyField(input, 'type', what, false),
    namespace: keyField(input, 'namespace', what, true),
    name: keyField(input, 'name', what, false),
  };
}

/**
 * Returns a checked copy of a put request: the key as {@link validateResourceKey}, `body`
 * a Uint8Array (the same one: copying it is the store's business), `labels` a fresh
 * object of valid Kubernetes label keys and values, `expectedRevision` a non-negative
 * integer.
 */
export function validatePutRequest(value: unknown): PutRequest {
  const what = 'put request';
  const input = requireObject(value, what);
  const request: PutRequest = { ...validateResourceKey(input, what), body: body(input, what) };
  const labels = optional(input, 'labels');
  if (labels !== undefined) request.labels = validateLabels(labels, what);
  const expected = expectedRevision(input, what);
  if (expected !== undefined) request.expectedRevision = expected;
  return request;
}

/** Returns a checked copy of a delete request: its key and optional `expectedRevision`. */
export function validateDeleteRequest(value: unknown): DeleteRequest {
  const what = 'delete request';
  const input = requireObject(value, what);
  const request: DeleteRequest = validateResourceKey(input, what);
  const expected = expectedRevision(input, what);
  if (expected !== undefined) request.expectedRevision = expected;
  return request;
}

/**
 * Returns a checked copy of a list query. The label selector must parse; `orderBy` must be
 * one of {@link LIST_ORDERS}; `limit` an integer from 1 to {@link MAX_LIST_LIMIT}. An
 * empty `continue` counts as absent; a non-empty one is only checked to be a string here
 * (`decodeContinue` checks the rest against the query).
 */
export function validateListQuery(value: unknown): ListQuery {
  const what = 'list query';
  const input = requireObject(value, what);
  const query: ListQuery = {};
  for (const field of ['cluster', 'type', 'namespace'] as const) {
    if (optional(input, field) !== undefined) {
      query[field] = keyField(input, field, what, field === 'namespace');
    }
  }
  if (optional(input, 'namePrefix') !== undefined) {
    query.namePrefix = keyField(input, 'namePrefix', what, true);
  }
  const selector = optional(input, 'labelSelector');
  if (selector !== undefined) {
    if (typeof selector !== 'string') fail(what, 'labelSelector', 'must be a string', selector);
    parseLabelSelector(selector);
    query.labelSelector = selector;
  }
  const orderBy = optional(input, 'orderBy');
  if (orderBy !== undefined) {
    if (!LIST_ORDERS.includes(orderBy as ListOrder)) {
      fail(
        what,
        'orderBy',
        `must be one of ${LIST_ORDERS.map((o) => `"${o}"`).join(', ')}`,
        orderBy,
      );
    }
    query.orderBy = orderBy as ListOrder;
  }
  const descending = optional(input, 'descending');
  if (descending !== undefined) {
    if (typeof descending !== 'boolean') fail(what, 'descending', 'must be a boolean', descending);
    query.descending = descending;
  }
  const limit = optional(input, 'limit');
  if (limit !== undefined) {
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_LIST_LIMIT) {
      fail(what, 'limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}`, limit);
    }
    query.limit = limit as number;
  }
  const token = optional(input, 'continue');
  if (token !== undefined) {
    if (typeof token !== 'string') fail(what, 'continue', 'must be a string', token);
    if (token !== '') query.continue = token;
  }
  return query;
}

/** Returns a fresh object holding `value`'s labels after checking each key and value. */
function validateLabels(value: unknown, what: string): Record<string, string> {
  if (!isPlainObject(value)) fail(what, 'labels', 'must be an object of strings', value);
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    const field = `labels[${JSON.stringify(key)}]`;
    if (!isValidLabelKey(key)) fail(what, field, 'is not a valid label key', key);
    if (typeof label !== 'string' || !isValidLabelValue(label)) {
      fail(what, field, 'must be a valid label value (at most 63 alphanumerics, -, _ or .)', label);
    }
    labels[key] = label;
  }
  return labels;
}

function keyField(input: Fields, field: string, what: string, mayBeEmpty: boolean): string {
  const value = input[field];
  if (typeof value !== 'string' || (!mayBeEmpty && value === '')) {
    fail(what, field, mayBeEmpty ? 'must be a string' : 'must be a non-empty string', value);
  }
  if (value.length > MAX_KEY_FIELD_LENGTH) {
    fail(what, field, `must be at most ${MAX_KEY_FIELD_LENGTH} characters long`, value);
  }
  if (value.includes('\0')) fail(what, field, 'must not contain NUL characters', value);
  // With the `u` flag a well-formed pair is one code point, so this finds lone halves only.
  if (/\p{Cs}/u.test(value)) fail(what, field, 'must not contain unpaired surrogates', value);
  return value;
}

function body(input: Fields, what: string): Uint8Array {
  const value = input['body'];
  // The tag, unlike `instanceof`, also holds for arrays from another realm (Buffer has it).
  if (
    !(value instanceof Uint8Array) &&
    Object.prototype.toString.call(value) !== '[object Uint8Array]'
  ) {
    fail(what, 'body', 'must be a Uint8Array', value);
  }
  return value as Uint8Array;
}

function expectedRevision(input: Fields, what: string): number | undefined {
  const value = optional(input, 'expectedRevision');
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    fail(what, 'expectedRevision', 'must be a non-negative integer', value);
  }
  return value as number;
}

function optional(input: Fields, field: string): unknown {
  const value = input[field];
  return value === null ? undefined : value;
}

function requireObject(value: unknown, what: string): Fields {
  if (!isPlainObject(value)) {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `Invalid ${what}: must be an object (got ${describe(value)})`,
      { data: { field: '' } },
    );
  }
  return value;
}

function fail(what: string, field: string, problem: string, got: unknown): never {
  throw new BerthError(
    codes.INVALID_ARGUMENT,
    `Invalid ${what}: "${field}" ${problem} (got ${describe(got)})`,
    { data: { field } },
  );
}

/** A short, bounded rendering of a bad value for a message. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}
