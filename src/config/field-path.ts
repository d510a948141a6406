/**
 * How a place in a JSON document and a value found there are written in messages:
 * `services[1].contract` and `"storage"`, the way a JavaScript reader would point at them.
 */

const MAX_GOT_LENGTH = 60;

/** A field path with `key` appended: `services[1]` + `name`, `migrations` + 0. */
export function fieldPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  const part = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  if (prefix === '') return part;
  return part.startsWith('"') ? `${prefix}[${part}]` : `${prefix}.${part}`;
}

/**
 * A JSON pointer (RFC 6901, as ajv's `instancePath` gives it) as a field path:
 * `/services/0/isolation` -> `services[0].isolation`. Digit-only segments are indexes.
 */
export function pointerToField(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<string>(
      (path, part) => fieldPath(path, /^(?:0|[1-9]\d*)$/.test(part) ? Number(part) : part),
      '',
    );
}

/**
 * A short, single-line rendering of a JSON value for messages. Never throws and never
 * returns more than about 60 characters, whatever the document holds.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  if (text.length <= MAX_GOT_LENGTH) return text;
  return `${text.slice(0, MAX_GOT_LENGTH - 1)}…${typeof value === 'string' ? '"' : ''}`;
}
