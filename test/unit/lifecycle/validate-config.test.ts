import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { parseManifest, type PluginManifest } from '../../../src/manifest/index.js';
import { ProblemList } from '../../../src/manifest/problem-list.js';
import { checkConfigSchema } from '../../../src/lifecycle/check-config-schema.js';
import { enforceConfigSchema, validateConfig } from '../../../src/lifecycle/validate-config.js';

const schema = {
  type: 'object',
  properties: {
    greeting: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    ratio: { type: 'number' },
    mode: { enum: ['fast', 'safe'] },
    tags: { type: 'array', items: { type: 'string' } },
    pool: {
      type: 'object',
      properties: { max: { type: 'integer', default: 4 } },
      additionalProperties: false,
    },
    extra: { type: ['string', 'null'] },
  },
  required: ['greeting'],
  additionalProperties: false,
};

const paths = (value: unknown, against: Record<string, unknown> = schema): string[] =>
  validateConfig(against, value).problems.map((p) => p.path);

describe('validateConfig', () => {
  it('accepts a matching config and fills in defaults, nested ones included', () => {
    const input = { greeting: 'hi', pool: {} };
    const { value, problems } = validateConfig(schema, input);
    expect(problems).toEqual([]);
    expect(value).toEqual({ greeting: 'hi', limit: 10, pool: { max: 4 } });
    expect(input).toEqual({ greeting: 'hi', pool: {} }); // the input is not changed
  });

  it('reports every problem at once, each with its key path', () => {
    const { problems } = validateConfig(schema, {
      greeting: 'Hello!',
      limit: 1.5,
      ratio: 'high',
      mode: 'slow',
      tags: ['a', 2],
      pool: { max: 2, min: 1 },
      colour: 'red',
    });
    expect(problems.map((p) => p.path)).toEqual([
      'greeting',
      'greeting',
      'limit',
      'ratio',
      'mode',
      'tags[1]',
      'pool.min',
      'colour',
    ]);
    expect(problems[2]).toEqual({ path: 'limit', expected: 'of type integer', got: '1.5' });
    expect(problems[4]?.expected).toBe('one of "fast", "safe"');
  });

  it('checks minimum, maximum, minLength and maxLength at their bounds', () => {
    expect(paths({ greeting: 'ab', limit: 1 })).toEqual([]);
    expect(paths({ greeting: 'abcde', limit: 100 })).toEqual([]);
    expect(paths({ greeting: 'a', limit: 0 })).toEqual(['greeting', 'limit']);
    expect(paths({ greeting: 'abcdef', limit: 101 })).toEqual(['greeting', 'limit']);
  });

  it('counts characters, not UTF-16 units, for string lengths', () => {
    expect(paths('😀😀', { type: 'string', maxLength: 2 })).toEqual([]);
    expect(paths('😀😀😀', { type: 'string', maxLength: 2 })).toEqual(['']);
  });

  it('reports a missing required key, and accepts a type from a list', () => {
    expect(paths({})).toEqual(['greeting']);
    expect(validateConfig(schema, {}).problems[0]?.expected).toBe('set (it is required)');
    expect(paths({ greeting: 'ok', extra: null })).toEqual([]);
    expect(paths({ greeting: 'ok', extra: 3 })).toEqual(['extra']);
  });

  it('validates extra keys against an additionalProperties schema', () => {
    const open = { type: 'object', additionalProperties: { type: 'number' } };
    expect(paths({ a: 1, b: 2 }, open)).toEqual([]);
    expect(paths({ a: 1, b: 'x' }, open)).toEqual(['b']);
  });

  it('compares enum members as JSON values', () => {
    const choices = { enum: [{ a: [1, 2] }, null, 3] };
    expect(paths({ a: [1, 2] }, choices)).toEqual([]);
    expect(paths(null, choices)).toEqual([]);
    expect(paths({ a: [2, 1] }, choices)).toEqual(['']);
    expect(paths('3', choices)).toEqual(['']);
  });
});

describe('checkConfigSchema', () => {
  const problemsOf = (value: unknown): string[] => {
    const list = new ProblemList();
    checkConfigSchema(value, 'configSchema', list);
    try {
      list.throwIfAny('plugin.json');
      return [];
    } catch (error) {
      return ((error as { data: { problems: { field: string }[] } }).data.problems ?? []).map(
        (p) => p.field,
      );
    }
  };

  it('accepts the supported keywords and annotations', () => {
    expect(problemsOf({ ...schema, title: 'Config', description: 'd', $schema: 'x' })).toEqual([]);
  });

  it('refuses keywords it does not enforce, and malformed ones, naming the field', () => {
    expect(
      problemsOf({
        type: 'object',
        properties: { a: { oneOf: [] }, b: { type: 'text' }, c: { pattern: '(' } },
        minProperties: 1,
        required: 'a',
      }),
    ).toEqual([
      'configSchema.properties.a.oneOf',
      'configSchema.properties.b.type',
      'configSchema.properties.c.pattern',
      'configSchema.minProperties',
      'configSchema.required',
    ]);
  });
});

describe('enforceConfigSchema', () => {
  const manifest = (configSchema: unknown): PluginManifest =>
    parseManifest(
      {
        name: 'demo',
        version: '1.0.0',
        engines: { berth: '*' },
        main: 'index.js',
        services: [{ name: 'svc', contract: 'demo@1', configSchema }],
      },
      'plugin.json',
    );

  it('returns the config with defaults, or the config as is without a schema', () => {
    expect(enforceConfigSchema(manifest(schema), 'plugin.json', 'svc', { greeting: 'yo' })).toEqual(
      { greeting: 'yo', limit: 10 },
    );
    const plain = parseManifest(
      {
        name: 'demo',
        version: '1.0.0',
        engines: { berth: '*' },
        main: 'index.js',
        services: [{ name: 'svc', contract: 'demo@1' }],
      },
      'plugin.json',
    );
    expect(enforceConfigSchema(plain, 'plugin.json', 'svc', { any: 1 })).toEqual({ any: 1 });
  });

  it('throws CONFIG_INVALID naming plugin, service and each key path', () => {
    let thrown: unknown;
    try {
      enforceConfigSchema(manifest(schema), 'plugin.json', 'svc', { limit: 500 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: codes.CONFIG_INVALID,
      plugin: 'demo',
      service: 'svc',
      data: { problems: [{ path: 'limit' }, { path: 'greeting' }] },
    });
  });

  it('throws MANIFEST_INVALID for a schema it cannot enforce', () => {
    expect(() =>
      enforceConfigSchema(manifest({ anyOf: [] }), 'plugin.json', 'svc', {}),
    ).toThrowError(expect.objectContaining({ code: codes.MANIFEST_INVALID }));
  });
});
