/**
 * Optimistic concurrency, the same for every storage plugin: a write that names an
 * expected revision happens only if it is the current one (0: the resource is absent).
 */
import { BerthError, codes } from '../errors.js';
import type { ResourceKey } from './storage.js';

/** The BERTH_ERR_REVISION_CONFLICT for a write that expected another revision than `actual`. */
export function revisionConflict(
  request: ResourceKey & { expectedRevision?: number },
  actual: number,
): BerthError {
  const { cluster, type, namespace, name, expectedRevision } = request;
  const where = `${cluster}/${type}/${namespace === '' ? '' : `${namespace}/`}${name}`;
  return new BerthError(
    codes.REVISION_CONFLICT,
    `${where} is ${actual === 0 ? 'absent' : `at revision ${actual}`}, not at revision ${expectedRevision}`,
    { data: { expectedRevision, currentRevision: actual } },
  );
}

/** Throws {@link revisionConflict} unless `request` expects no revision or expects `actual` (0 for absent). */
export function checkExpectedRevision(
  request: ResourceKey & { expectedRevision?: number },
  actual: number,
): void {
  if (request.expectedRevision !== undefined && request.expectedRevision !== actual) {
    throw revisionConflict(request, actual);
  }
}
