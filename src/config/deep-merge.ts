/**
 * The one deep merge of Berth's config: how host config lays over a service's
 * `defaultConfig`, how the operator's overrides lay over both, and how a live change
 * lays over the overrides (a JSON merge patch, RFC 7386, which is the same merge with
 * `null` meaning "remove").
 */
import { isPlainObject } from '../plain-object.js';

/** How {@link deepMerge} treats `null` in the patch. */
export interface DeepMergeOptions {
  /**
   * True: a `null` removes the key, as in a JSON merge patch (RFC 7386), and an object
   * laid over a non-object is merged over `{}` so its own `null`s vanish too. False (the
   * default): `null` is a value like any other.
   */
  nullRemoves?: boolean;
}

/**
 * `patch` laid over `base`: plain objects merge key by key, recursively; arrays and
 * every other value replace. Neither input is changed, and the result shares no objects
 * with them. A `__proto__` key stays a plain key, never the prototype.
 */
export function deepMerge(
  base: Record<string, unknown>,
  patch: Record<string, unknown> | undefined,
  options: DeepMergeOptions = {},
): Record<string, unknown> {
  // A Map, then fromEntries: assigning `result['__proto__']` would set the prototype.
  const result = new Map(Object.entries(structuredClone(base)));
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null && options.nullRemoves === true) {
      result.delete(key);
      continue;
    }
    const current = result.get(key);
    const mergeable = isPlainObject(value) && (isPlainObject(current) || options.nullRemoves);
    result.set(
      key,
      mergeable
        ? deepMerge(isPlainObject(current) ? current : {}, value, options)
        : structuredClone(value),
    );
  }
  return Object.fromEntries(result);
}

/**
 * Merges `override` over `base` (see {@link deepMerge}); `null` is kept as a value.
 * How a service's config is formed from its manifest `defaultConfig` and host config.
 */
export function mergeConfig(
  base: Record<string, unknown>,
  override: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return deepMerge(base, override);
}
