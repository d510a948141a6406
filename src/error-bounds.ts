/**
 * The bounds on an error that crosses the wire, and the reads that keep them: whatever a
 * plugin throws (a Proxy whose traps throw, a getter that throws, a 10 MB message, a
 * cyclic `data`) is read here without ever throwing and copied into bounded plain data.
 *
 * Every read of a value the plugin made goes through {@link readSafely}: a property get,
 * `instanceof` (a Proxy's getPrototypeOf trap), `in` (its has trap) and `Object.keys`
 * (its ownKeys trap) all run plugin code. What is thrown while reading is never looked
 * at, only dropped: it may be just as hostile.
 *
 * Shared by the host and the worker side (src/errors.ts uses it), so it imports nothing.
 */

/** Message: 8 KiB holds any real message (a SQL error quoting its statement) and keeps a log line or an HTTP body small. */
export const MAX_MESSAGE_CHARS = 8 * 1024;
/** Stack: 16 KiB holds V8's default 10 frames many times over, long file paths and all. */
export const MAX_STACK_CHARS = 16 * 1024;
/** Name, and the plugin, service and method an error names: 256 holds any identifier. */
export const MAX_NAME_CHARS = 256;
/** Code: 128 holds every Berth and Node code (the longest is under 50). */
export const MAX_CODE_CHARS = 128;
/** Causes kept below an error: real chains are 1 to 3 deep, and a cyclic one must stop. */
export const MAX_CAUSE_DEPTH = 8;
/** `data`, values in all: room for a list of a plugin's migration files, not for a payload. */
export const MAX_DATA_VALUES = 256;
/** `data`, levels of nesting: real data is one or two levels deep. */
export const MAX_DATA_DEPTH = 8;
/** `data`, string length: holds a file path, an id or a selector. */
export const MAX_DATA_STRING_CHARS = 512;

/** What a description says of a value that cannot be read at all (a revoked Proxy, say). */
export const UNINSPECTABLE = '[a value that cannot be inspected]';

/** Returned by {@link readSafely} when the read threw. */
export const UNREADABLE: unique symbol = Symbol('unreadable');

/** Runs `read`; returns {@link UNREADABLE} if it throws, never looking at what it threw. */
export function readSafely<T>(read: () => T): T | typeof UNREADABLE {
  try {
    return read();
  } catch {
    return UNREADABLE;
  }
}

/**
 * `text` cut to at most `max` characters, saying how long it was; never splits a
 * surrogate pair. Unchanged when it fits.
 */
export function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `… [${text.length} chars, cut]`;
  let cut = Math.max(0, max - marker.length);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return (text.slice(0, cut) + marker).slice(0, max);
}

/** `value` bounded to `max` characters if it is a string, else undefined. */
export function textOf(value: unknown, max: number): string | undefined {
  return typeof value === 'string' ? boundText(value, max) : undefined;
}

/** The outcome of {@link copyData}: the copy, or why there is none. */
export type DataCopy = { ok: true; value: unknown } | { ok: false; reason: string };

interface CopyState {
  strict: boolean;
  left: number;
  reason: string | undefined;
}

/** Thrown inside a strict copy to stop it; the reason is in the state. */
const STOP = Symbol('stop');

/**
 * A bounded copy of `value` as plain data (null, booleans, numbers, strings, Dates,
 * arrays, plain objects), safe for msgpackr and structured clone alike. Strings are cut
 * to {@link MAX_DATA_STRING_CHARS}; past {@link MAX_DATA_VALUES} values or
 * {@link MAX_DATA_DEPTH} levels the rest is left out.
 *
 * Strict (for an error's `data`): anything else (a symbol, a function, a bigint, a class
 * instance, a cycle, a read that throws) refuses the copy, with the reason. Lenient (for
 * describing a thrown value): such a value becomes a short placeholder string.
 * Never throws.
 */
export function copyData(value: unknown, strict: boolean): DataCopy {
  const state: CopyState = { strict, left: MAX_DATA_VALUES, reason: undefined };
  try {
    return { ok: true, value: copy(value, 'data', [], state) };
  } catch {
    return { ok: false, reason: state.reason ?? 'reading it threw' };
  }
}

function refuse(state: CopyState, what: string, path: string): string {
  if (!state.strict) return `[${what}]`;
  state.reason = boundText(`${what} at ${path}`, MAX_NAME_CHARS);
  throw STOP;
}

function copy(value: unknown, path: string, ancestors: object[], state: CopyState): unknown {
  state.left -= 1;
  switch (typeof value) {
    case 'string':
      return boundText(value, MAX_DATA_STRING_CHARS);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return refuse(state, 'a bigint', path);
    case 'symbol':
      return refuse(state, 'a symbol', path);
    case 'function':
      return refuse(state, 'a function', path);
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) return refuse(state, 'a cycle', path);
  if (ancestors.length >= MAX_DATA_DEPTH) return '[nested too deep]';
  const read = readSafely(() => {
    if (object instanceof Date) {
      const time = object.getTime();
      return state.strict
        ? new Date(time)
        : Number.isNaN(time)
          ? 'Invalid Date'
          : new Date(time).toISOString();
    }
    const inner = [...ancestors, object];
    if (Array.isArray(object)) {
      const items: unknown[] = [];
      const length = Math.min(object.length, Math.max(0, state.left));
      for (let i = 0; i < length && state.left > 0; i += 1) {
        items.push(copy(object[i], `${path}[${i}]`, inner, state));
      }
      return items;
    }
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      return refuse(state, 'an object that is not plain data', path);
    }
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      if (state.left <= 0) break;
      const name = boundText(key, MAX_NAME_CHARS);
      const item = readSafely(() => (object as Record<string, unknown>)[key]);
      const copied =
        item === UNREADABLE
          ? refuse(state, 'a value that cannot be inspected', `${path}.${name}`)
          : copy(item, `${path}.${name}`, inner, state);
      // Defined, not assigned: a key "__proto__" must stay a key, not set the prototype.
      Object.defineProperty(record, name, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return record;
  });
  if (read !== UNREADABLE) return read;
  // A strict refusal deeper down unwinds through readSafely as UNREADABLE: pass it on.
  if (state.reason !== undefined) throw STOP;
  return refuse(state, 'a value that cannot be inspected', path);
}

/**
 * A short description of any value, for a message: a string as it is, an object as
 * bounded JSON of its lenient copy, at most {@link MAX_MESSAGE_CHARS}. Never throws;
 * {@link UNINSPECTABLE} for a value that cannot be read at all.
 */
export function describeValue(value: unknown): string {
  const text = readSafely((): string => {
    switch (typeof value) {
      case 'string':
        return value;
      case 'symbol':
        return value.toString();
      case 'function': {
        const name = textOf(
          readSafely(() => value.name),
          MAX_NAME_CHARS,
        );
        return name === undefined || name === '' ? '[function]' : `[function ${name}]`;
      }
      case 'object': {
        if (value === null) return 'null';
        const copied = copyData(value, false);
        if (!copied.ok) return UNINSPECTABLE;
        // A string here is a placeholder (or a Date's ISO form): no quotes around it.
        return typeof copied.value === 'string'
          ? copied.value
          : (JSON.stringify(copied.value) ?? UNINSPECTABLE);
      }
      default:
        return String(value);
    }
  });
  return text === UNREADABLE ? UNINSPECTABLE : boundText(text, MAX_MESSAGE_CHARS);
}
