/**
 * The `key=value` arguments of `berth plugins config`, turned into a config patch:
 *
 *   greeting=hi          {"greeting": "hi"}             not JSON: a string
 *   limit=20 debug=true  {"limit": 20, "debug": true}   JSON values as JSON
 *   pool.max=8           {"pool": {"max": 8}}           dots make nested keys
 *   limit=null           {"limit": null}                null removes an earlier change
 *   name='"007"'         {"name": "007"}                quote a string that looks like JSON
 */
import { BerthError, codes } from '../index.js';

/**
 * Parses every pair into one object (later pairs win). Throws BERTH_ERR_INVALID_ARGUMENT
 * naming the pair when one has no `=`, or an empty key or key segment.
 */
export function parseConfigPairs(pairs: readonly string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const path = equals <= 0 ? [] : pair.slice(0, equals).split('.');
    if (path.length === 0 || path.some((segment) => segment === '')) {
      throw new BerthError(
        codes.INVALID_ARGUMENT,
        `${JSON.stringify(pair)} is not key=value; write it as greeting=hello or pool.max=8`,
        { data: { pair } },
      );
    }
    const text = pair.slice(equals + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    let target = patch;
    for (const segment of path.slice(0, -1)) {
      const next = Object.hasOwn(target, segment) ? target[segment] : undefined;
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        target = next as Record<string, unknown>;
      } else {
        const child: Record<string, unknown> = {};
        setOwn(target, segment, child);
        target = child;
      }
    }
    setOwn(target, path.at(-1) as string, value);
  }
  return patch;
}

/** Sets an own property, so that a key such as `__proto__` is a key, never a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
