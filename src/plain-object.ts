/**
 * The one test for "a JSON-style object" in Berth: config, manifests, request bodies,
 * state files and the messages a worker sends are all checked with it, so they agree on
 * what an object is.
 */

/**
 * True for a plain object: not null, not an array, and made by `{}`, `JSON.parse`,
 * structured clone or msgpackr (its prototype is `Object.prototype` or null). Class
 * instances, Dates, Maps and typed arrays are not plain objects.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
