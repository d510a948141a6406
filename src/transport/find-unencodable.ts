/**
 * The slow walk that names what in a value the codec refused, and where: it runs only
 * after msgpackr has thrown, so naming the path costs a successful call nothing.
 *
 * It descends into a value the way msgpackr's `pack` does (plain objects by their own
 * enumerable keys, arrays by index, Map keys and values, Set items, an Error's cause, what
 * a `toJSON` returns) and stops at the first thing the value model refuses: a function, a
 * symbol, a reference back to an enclosing object, or an object of a kind that cannot be
 * copied (see {@link refusedInstance}). docs/value-model.md has the whole table.
 */

/** What was refused, and its path from the root (`args[0].handler`, `result.items[3].fn`). */
export interface Unencodable {
  path: string;
  what: string;
}

/** The typed array classes msgpackr encodes (its `typedArrays` list), plus DataView. */
const VIEW_CLASSES: ReadonlySet<unknown> = new Set([
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
  Buffer,
]);

/**
 * Why an object that msgpackr would write field by field is refused, or undefined when it
 * may be. msgpackr would write a Promise, a WeakMap or a SharedArrayBuffer as `{}`, and a
 * Map subclass as an object of its own fields: an empty object that hides a mistake (a
 * forgotten `await`) rather than a copy, so these are refused, as structured clone does.
 * Called for every object msgpackr writes field by field (the codec's `useRecords` hook):
 * a plain object costs one comparison.
 */
export function refusedInstance(object: object): string | undefined {
  if (object.constructor === Object) return undefined;
  if (object instanceof Promise) return 'a Promise (await it first)';
  if (object instanceof WeakMap) return 'a WeakMap';
  if (object instanceof WeakSet) return 'a WeakSet';
  if (object instanceof WeakRef) return 'a WeakRef';
  if (object instanceof SharedArrayBuffer) return 'a SharedArrayBuffer (send a copy of its bytes)';
  if (object instanceof Map)
    return `an instance of ${className(object)}, a subclass of Map (pass a Map)`;
  return undefined;
}

/**
 * Finds the first thing in `value` that the value model refuses, naming its path from
 * `root`; undefined when there is none (msgpackr refused for another reason) or the value
 * is too deep to walk.
 */
// size rule: one function over 80 lines on purpose: small walkers that share one `enclosing` map (the
// cycle check), each short; apart, they would pass the map around on every step.
export function findUnencodable(value: unknown, root: string): Unencodable | undefined {
  const enclosing = new Map<object, string>();

  const visit = (item: unknown, path: string): Unencodable | undefined => {
    if (typeof item === 'symbol') return { path, what: 'a symbol' };
    if (typeof item === 'function') {
      const { toJSON } = item as { toJSON?: unknown };
      if (typeof toJSON !== 'function') return { path, what: 'a function' };
      return visit((toJSON as () => unknown).call(item), path);
    }
    if (typeof item !== 'object' || item === null) return undefined;
    const outer = enclosing.get(item);
    if (outer !== undefined) return { path, what: `a reference back to ${outer} (a cycle)` };
    enclosing.set(item, path);
    try {
      return visitObject(item, path);
    } finally {
      enclosing.delete(item);
    }
  };

  const visitAll = (items: Iterable<unknown>, path: (i: number) => string) => {
    let i = 0;
    for (const item of items) {
      const found = visit(item, path(i));
      if (found !== undefined) return found;
      i += 1;
    }
    return undefined;
  };

  const visitFields = (object: object, path: string): Unencodable | undefined => {
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
      const found = visit((object as Record<string, unknown>)[key], fieldPath(path, key));
      if (found !== undefined) return found;
    }
    return undefined;
  };

  const visitObject = (object: object, path: string): Unencodable | undefined => {
    const constructor = object.constructor;
    if (constructor === Object) return visitFields(object, path);
    if (constructor === Array)
      return visitAll(arrayItems(object as unknown[]), (i) => `${path}[${i}]`);
    if (constructor === Map) return visitMap(object as Map<unknown, unknown>, path);
    if (ArrayBuffer.isView(object)) {
      if (VIEW_CLASSES.has(constructor)) return undefined;
      const base = Object.getPrototypeOf(Object.getPrototypeOf(object) as object) as object;
      return {
        path,
        what: `an instance of ${className(object)}, a subclass of ${className(base)} (pass a ${className(base)})`,
      };
    }
    if (object instanceof Date || object instanceof RegExp || object instanceof ArrayBuffer) {
      return undefined;
    }
    if (object instanceof Set) return visitAll(object, (i) => `${path}.values()[${i}]`);
    if (object instanceof Error) return visit(object.cause, `${path}.cause`);
    if (Array.isArray(object)) return visitAll(arrayItems(object), (i) => `${path}[${i}]`);
    const { toJSON } = object as { toJSON?: unknown };
    if (typeof toJSON === 'function') return visit((toJSON as () => unknown).call(object), path);
    const refused = refusedInstance(object);
    if (refused !== undefined) return { path, what: refused };
    return visitFields(object, path);
  };

  const visitMap = (map: Map<unknown, unknown>, path: string): Unencodable | undefined => {
    let i = 0;
    for (const [key, item] of map) {
      const found =
        visit(key, `${path}.keys()[${i}]`) ?? visit(item, `${path}.get(${describeKey(key, i)})`);
      if (found !== undefined) return found;
      i += 1;
    }
    return undefined;
  };

  try {
    return visit(value, root);
  } catch {
    // Too deep to walk (a stack overflow), or a getter or toJSON that throws.
    return undefined;
  }
}

/** Every index of an array, holes included (msgpackr writes a hole as undefined). */
function* arrayItems(array: readonly unknown[]): Generator<unknown> {
  for (let i = 0; i < array.length; i += 1) yield array[i];
}

function fieldPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean') return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `keys()[${index}]`;
}

function className(object: object): string {
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}
