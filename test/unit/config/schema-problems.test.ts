import { describe, expect, it } from 'vitest';

import { ownSchemaAjv } from '../../../src/config/create-ajv.js';
import { formatProblem, schemaProblems } from '../../../src/config/schema-problems.js';
import { pointerToField } from '../../../src/config/field-path.js';

const validate = ownSchemaAjv().compile({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { 'x-expected': 'a short name such as "kv"', type: 'string', pattern: '^[a-z]+$' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    mode: { enum: ['a', 'b'] },
    tags: { type: 'array', items: { type: 'string', minLength: 1 } },
    nested: {
      type: 'object',
      additionalProperties: false,
      properties: { limit: { type: 'number', exclusiveMinimum: 0 } },
    },
  },
});

const problemsOf = (value: unknown) => {
  validate(value);
  return schemaProblems(validate.errors, { topLevelKey: 'a key of test.json' });
};

describe('schemaProblems', () => {
  it('turns ajv errors into field paths, expectations and values', () => {
    expect(problemsOf({ name: 'kv', port: 0, mode: 'c', tags: ['', 'x'] })).toEqual([
      { field: 'port', expected: 'at least 1', got: '0' },
      { field: 'mode', expected: 'one of "a", "b"', got: '"c"' },
      { field: 'tags[0]', expected: 'at least 1 characters long', got: '""' },
    ]);
  });

  it("prefers the schema's own words, for a missing field too", () => {
    expect(problemsOf({ name: 'KV' })).toEqual([
      { field: 'name', expected: 'a short name such as "kv"', got: '"KV"' },
    ]);
    expect(problemsOf({})).toEqual([
      { field: 'name', expected: 'a short name such as "kv"', got: 'nothing' },
    ]);
  });

  it('names an unknown key first, with the nearest known one', () => {
    expect(problemsOf({ prot: 80, nested: { limt: 1, limit: -1 } })).toEqual([
      {
        field: 'prot',
        expected: 'absent (it is not a key of test.json; did you mean "port"?)',
        got: '80',
      },
      {
        field: 'nested.limt',
        expected: 'absent (it is not a field of nested; did you mean "limit"?)',
        got: '1',
      },
      { field: 'name', expected: 'a short name such as "kv"', got: 'nothing' },
      { field: 'nested.limit', expected: 'more than 0', got: '-1' },
    ]);
  });

  it('says what a wrong type should have been', () => {
    expect(problemsOf({ name: 'kv', port: '80', tags: 'x' })).toEqual([
      { field: 'port', expected: 'a whole number', got: '"80"' },
      { field: 'tags', expected: 'an array', got: '"x"' },
    ]);
  });

  it('formats a problem as one line, the document itself by a subject', () => {
    expect(formatProblem({ field: 'port', expected: 'at least 1', got: '0' })).toBe(
      'port must be at least 1 (got 0)',
    );
    expect(formatProblem({ field: '', expected: 'an object', got: 'an array' }, 'the config')).toBe(
      'the config must be an object (got an array)',
    );
  });
});

describe('pointerToField', () => {
  it.each([
    ['', ''],
    ['/services/0/isolation', 'services[0].isolation'],
    ['/config/my plugin/a~1b', 'config["my plugin"]["a/b"]'],
    ['/a~0b', '"a~b"'],
  ])('reads %j as %j', (pointer, field) => {
    expect(pointerToField(pointer)).toBe(field);
  });
});
