/**
 * How a service's config is formed: its manifest `defaultConfig`, with the host's
 * overrides merged over it.
 */
import { isPlainObject } from '../plain-object.js';

/**
 * Merges `override` over `base`, recursing into plain objects; arrays and other values
 * replace. Neither input is changed; the result shares no objects with them.
 */
export function mergeConfig(
  base: Record<string, unknown>,
  override: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = structuredClone(base);
  if (override === undefined) return merged;
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] =
      isPlainObject(current) && isPlainObject(value)
        ? mergeConfig(current, value)
        : structuredClone(value);
  }
  return merged;
}
