/**
 * `If-Match` on the resource routes (RFC 9110 §13.1.1), over the store's revisions:
 *
 *   absent        no precondition
 *   "7" (or 7)    the current revision must be 7; a weak `W/"7"` counts as "7"
 *   *             some revision must be current: the resource must exist
 *
 * A failed precondition is a 409 BERTH_ERR_REVISION_CONFLICT, as a stale revision
 * always was (Kubernetes answers a stale resourceVersion with 409 too), not a 412. A
 * list of entity tags (`"3", "4"`) is refused: a write expects one revision.
 */
import { BerthError, codes } from '../index.js';

/** What an `If-Match` header asks for. */
export type IfMatch = { kind: 'none' } | { kind: 'any' } | { kind: 'revision'; revision: number };

/** Parses an `If-Match` header; throws BERTH_ERR_INVALID_ARGUMENT for one it cannot honour. */
export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return { kind: 'none' };
  const value = header.trim();
  if (value === '*') return { kind: 'any' };
  const invalid = (problem: string): never => {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `If-Match ${problem}: send one revision such as "7", or * for "whatever exists" (got ${JSON.stringify(header.slice(0, 80))})`,
      { data: { field: 'if-match' } },
    );
  };
  if (value.includes(',')) invalid('lists several entity tags');
  const match = /^(?:W\/)?(?:"(\d{1,16})"|(\d{1,16}))$/.exec(value);
  const revision = match?.[1] ?? match?.[2];
  if (revision === undefined || !Number.isSafeInteger(Number(revision))) {
    return invalid('is not a revision number');
  }
  return { kind: 'revision', revision: Number(revision) };
}
