/**
 * How an operator's config change combines with the overrides already recorded: as a
 * JSON merge patch (RFC 7386), or as a replacement.
 */
import { isPlainObject } from '../plain-object.js';

/**
 * Merges `patch` over `overrides` as a JSON merge patch: objects merge key by key,
 * `null` removes the key (so the manifest's default applies again), any other value
 * replaces. Neither input is changed; the result shares no objects with them.
 */
export function applyConfigPatch(
  overrides: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const result = new Map(Object.entries(structuredClone(overrides)));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      result.delete(key);
      continue;
    }
    const current = result.get(key);
    result.set(
      key,
      isPlainObject(current) && isPlainObject(value)
        ? applyConfigPatch(current, value)
        : structuredClone(value),
    );
  }
  return Object.fromEntries(result);
}

/**
 * The overrides after a change: `patch` merged over `overrides` (see
 * {@link applyConfigPatch}), or, with `replace`, `patch` itself without its `null` keys.
 */
export function nextOverrides(
  overrides: Record<string, unknown>,
  patch: Record<string, unknown>,
  replace: boolean,
): Record<string, unknown> {
  return applyConfigPatch(replace ? {} : overrides, patch);
}
