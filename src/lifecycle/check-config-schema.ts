/**
 * Which JSON schemas a service's `configSchema` may be: the subset that
 * validate-config.ts enforces. A schema using anything else is refused, loudly, rather
 * than half-enforced: a `oneOf` the host silently ignored would let any config through.
 */
import { fieldPath, type ProblemList } from '../manifest/problem-list.js';
import { isPlainObject } from '../plain-object.js';

/** The keywords that are enforced. */
export const SCHEMA_KEYWORDS = [
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'default',
] as const;

/** Keywords that only describe, and so may appear anywhere. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** The values of `type`. */
export const SCHEMA_TYPES = [
  'object',
  'array',
  'string',
  'number',
  'integer',
  'boolean',
  'null',
] as const;

const KEYWORDS = new Set<string>(SCHEMA_KEYWORDS);
const TYPES = new Set<string>(SCHEMA_TYPES);

/**
 * Adds to `problems` everything in `schema` (found at manifest path `field`) that the
 * validator does not enforce or that is malformed, recursing into `properties`,
 * `additionalProperties` and `items`. Adds nothing for a usable schema.
 */
export function checkConfigSchema(schema: unknown, field: string, problems: ProblemList): void {
  if (!isPlainObject(schema)) {
    problems.add(field, 'a JSON schema object', schema);
    return;
  }
  for (const [key, value] of Object.entries(schema)) {
    const at = fieldPath(field, key);
    if (ANNOTATIONS.has(key)) continue;
    if (!KEYWORDS.has(key)) {
      problems.add(at, `a keyword Berth enforces (${SCHEMA_KEYWORDS.join(', ')})`, key);
      continue;
    }
    switch (key) {
      case 'type': {
        const types = Array.isArray(value) ? value : [value];
        if (types.length === 0 || !types.every((t) => typeof t === 'string' && TYPES.has(t))) {
          problems.add(at, `one of ${SCHEMA_TYPES.join(', ')}, or an array of them`, value);
        }
        break;
      }
      case 'properties':
        if (!isPlainObject(value)) problems.add(at, 'an object of schemas', value);
        else
          for (const [name, sub] of Object.entries(value))
            checkConfigSchema(sub, fieldPath(at, name), problems);
        break;
      case 'additionalProperties':
        if (typeof value !== 'boolean') checkConfigSchema(value, at, problems);
        break;
      case 'items':
        checkConfigSchema(value, at, problems);
        break;
      case 'required':
        if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) {
          problems.add(at, 'an array of property names', value);
        }
        break;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0)
          problems.add(at, 'a non-empty array', value);
        break;
      case 'minimum':
      case 'maximum':
        if (typeof value !== 'number' || !Number.isFinite(value))
          problems.add(at, 'a number', value);
        break;
      case 'minLength':
      case 'maxLength':
        if (!Number.isSafeInteger(value) || (value as number) < 0) {
          problems.add(at, 'a whole number, 0 or more', value);
        }
        break;
      case 'pattern':
        if (typeof value !== 'string' || compilePattern(value) === undefined) {
          problems.add(at, 'a regular expression (JavaScript syntax, "u" flag)', value);
        }
        break;
      // `default` may be any value; validate-config.ts checks it where it is used.
    }
  }
}

/** `pattern` as a RegExp (unanchored, as JSON schema reads it), or undefined when invalid. */
export function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}
