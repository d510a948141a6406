/**
 * A thin formatter over ajv's errors, so a file refused by a schema reads like the rest
 * of Berth's messages: `services[0].isolation must be one of "inline", "thread", "pool"
 * (got "process")`. It turns ajv's JSON pointers into field paths, prefers the words a
 * schema gives in `x-expected`, names unknown keys with the nearest known one, and
 * drops the duplicates that one mistake can cause.
 */
import type { ErrorObject } from 'ajv';

import { isPlainObject } from '../plain-object.js';
import { closestKey } from './closest-key.js';
import { EXPECTED_KEYWORD } from './create-ajv.js';
import { describeValue, fieldPath, pointerToField } from './field-path.js';

/** One thing wrong with a document: where, what was expected there, what was found. */
export interface SchemaProblem {
  /** The field path, such as `services[1].contract`; `''` is the document itself. */
  field: string;
  /** What belongs there, phrased to follow "must be": `a semver version such as "1.0.0"`. */
  expected: string;
  /** A short rendering of what was found (`"storage"`, `nothing`, `an array`). */
  got: string;
}

/** How the document is named where an unknown top-level key is reported. */
export interface SchemaProblemOptions {
  /** What a top-level key is, for "it is not …": `a manifest field`, `a key of berth.config.json`. */
  topLevelKey: string;
}

/**
 * The problems of ajv's `errors` (compiled with `verbose: true`), in ajv's order, one
 * per field and expectation. Unknown keys (`additionalProperties: false`) come first:
 * a misspelt key usually explains the missing one reported after it.
 */
export function schemaProblems(
  errors: readonly ErrorObject[] | null | undefined,
  options: SchemaProblemOptions,
): SchemaProblem[] {
  const seen = new Set<string>();
  const unknown: SchemaProblem[] = [];
  const rest: SchemaProblem[] = [];
  for (const error of errors ?? []) {
    const problem = problemOf(error, options);
    if (problem === undefined) continue;
    const key = `${problem.field}\u0000${problem.expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (error.keyword === 'additionalProperties' ? unknown : rest).push(problem);
  }
  return [...unknown, ...rest];
}

/** `field must be expected (got …)`, the one line every problem is shown as. */
export function formatProblem(problem: SchemaProblem, subject = 'the document'): string {
  const field = problem.field === '' ? subject : problem.field;
  return `${field} must be ${problem.expected} (got ${problem.got})`;
}

function problemOf(error: ErrorObject, options: SchemaProblemOptions): SchemaProblem | undefined {
  const at = pointerToField(error.instancePath);
  const parent: unknown = error.parentSchema;
  const data: unknown = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = isPlainObject(parent) && isPlainObject(parent['properties']);
      const suggestion = known ? closestKey(key, Object.keys(parent['properties'] as object)) : '';
      const hint =
        suggestion === undefined || suggestion === '' ? '' : `; did you mean "${suggestion}"?`;
      const where = at === '' ? options.topLevelKey : `a field of ${at}`;
      const got = isPlainObject(data) ? data[key] : undefined;
      return {
        field: fieldPath(at, key),
        expected: `absent (it is not ${where}${hint})`,
        got: describeValue(got),
      };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const properties = isPlainObject(parent) ? parent['properties'] : undefined;
      const sub = isPlainObject(properties) ? properties[key] : undefined;
      return {
        field: fieldPath(at, key),
        expected: expectedOf(sub) ?? 'set (it is required)',
        got: 'nothing',
      };
    }
    // A branch that failed explains less than the alternatives' own errors beside it.
    case 'if':
      return undefined;
    default:
      return {
        field: at,
        expected: expectedOf(parent) ?? genericExpected(error),
        got: describeValue(data),
      };
  }
}

function expectedOf(schema: unknown): string | undefined {
  const words = isPlainObject(schema) ? schema[EXPECTED_KEYWORD] : undefined;
  return typeof words === 'string' ? words : undefined;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

const COMPARISON_WORDS: Record<string, string> = {
  '>=': 'at least',
  '<=': 'at most',
  '>': 'more than',
  '<': 'less than',
};

/** ajv's error in words that follow "must be", for schemas that give none of their own. */
function genericExpected(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const list = (values: unknown): string =>
    (Array.isArray(values) ? values : [values]).map((v) => JSON.stringify(v)).join(', ');
  switch (error.keyword) {
    case 'type':
      return String(params['type'])
        .split(',')
        .map((type) => TYPE_WORDS[type] ?? type)
        .join(' or ');
    case 'enum':
      return `one of ${list(params['allowedValues'])}`;
    case 'const':
      return list(params['allowedValue']);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${COMPARISON_WORDS[String(params['comparison'])] ?? ''} ${String(params['limit'])}`;
    case 'minLength':
      return `at least ${String(params['limit'])} characters long`;
    case 'maxLength':
      return `at most ${String(params['limit'])} characters long`;
    case 'minItems':
      return `an array of at least ${String(params['limit'])} items`;
    case 'maxItems':
      return `an array of at most ${String(params['limit'])} items`;
    case 'pattern':
      return `a string matching /${String(params['pattern'])}/`;
    case 'format':
      return `a valid ${String(params['format'])}`;
    case 'multipleOf':
      return `a multiple of ${String(params['multipleOf'])}`;
    case 'uniqueItems':
      return `free of duplicates (items ${String(params['j'])} and ${String(params['i'])} are equal)`;
    default:
      // ajv's own words start with "must": keep them, minus the "must" our line adds.
      return `valid (it ${error.message ?? 'fails the schema'})`;
  }
}
