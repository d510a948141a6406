/**
 * How an operator's config change combines with the overrides already recorded: as a
 * JSON merge patch (RFC 7386), or as a replacement.
 */
import { deepMerge } from './deep-merge.js';

/**
 * Merges `patch` over `overrides` as a JSON merge patch: objects merge key by key,
 * `null` removes the key (so the manifest's default applies again), any other value
 * replaces. Neither input is changed; the result shares no objects with them.
 */
export function applyConfigPatch(
  overrides: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return deepMerge(overrides, patch, { nullRemoves: true });
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
