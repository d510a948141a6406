import { describe, expect, it } from 'vitest';
import {
  compileConfigSchema,
  configSchemaProblem,
  enforceConfigSchema,
  validateConfig,
} from '../../../src/config/config-schema.js';
import { BerthError, codes } from '../../../src/errors.js';
import { parseManifest, type PluginManifest } from '../../../src/manifest/index.js';

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

const fields = (value: unknown, against: Record<string, unknown> = schema): string[] =>
  validateConfig(against, value).problems.map((p) => p.path);

describe('validateConfig', () => {
  it('accepts a matching config and fills in defaults, nested ones included', () => {
    const input = { greeting: 'hi', pool: {} };
    const { value, problems } = validateConfig(schema, input);
    expect(problems).toEqual([]);
    expect(value).toEqual({ greeting: 'hi', limit: 10, pool: { max: 4 } });
    expect(input).toEqual({ greeting: 'hi', pool: {} }); // the input is not changed
  });

  it('reports every problem at once, each with its key path and what belongs there', () => {
    const { problems } = validateConfig(schema, {
      greeting: 'Hello!',
      limit: 1.5,
      ratio: 'high',
      mode: 'slow',
      tags: ['a', 2],
      pool: { max: 2, min: 1 },
      colour: 'red',
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['colour', 'greeting', 'greeting', 'limit', 'mode', 'pool.min', 'ratio', 'tags[1]'].sort(),
    );
    expect(problems).toContainEqual({ path: 'limit', expected: 'a whole number', got: '1.5' });
    expect(problems).toContainEqual({
      path: 'mode',
      expected: 'one of "fast", "safe"',
      got: '"slow"',
    });
    expect(problems).toContainEqual({
      path: 'colour',
      expected: 'absent (it is not a config key)',
      got: '"red"',
    });
  });

  it('checks bounds, lengths in characters, required keys and union types', () => {
    expect(fields({ greeting: 'ab', limit: 1 })).toEqual([]);
    expect(fields({ greeting: 'a', limit: 0 }).sort()).toEqual(['greeting', 'limit']);
    expect(fields('😀😀', { type: 'string', maxLength: 2 })).toEqual([]);
    expect(fields('😀😀😀', { type: 'string', maxLength: 2 })).toEqual(['']);
    expect(fields({})).toEqual(['greeting']);
    expect(fields({ greeting: 'ok', extra: null })).toEqual([]);
    expect(fields({ greeting: 'ok', extra: 3 })).toEqual(['extra']);
  });

  it('takes full JSON Schema: oneOf, if/then, patternProperties, $defs', () => {
    const full = {
      type: 'object',
      $defs: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
      properties: {
        endpoint: { oneOf: [{ type: 'string', format: 'uri' }, { $ref: '#/$defs/port' }] },
        tls: { type: 'boolean' },
      },
      patternProperties: { '^x-': { type: 'string' } },
      if: { properties: { tls: { const: true } }, required: ['tls'] },
      then: { required: ['endpoint'] },
    };
    expect(fields({ endpoint: 8080, 'x-note': 'a' }, full)).toEqual([]);
    expect(fields({ tls: true }, full)).toEqual(['endpoint']);
    expect(fields({ 'x-note': 1 }, full)).toEqual(['x-note']);
  });

  it('checks the formats Berth knows', () => {
    const formats = {
      type: 'object',
      properties: {
        url: { type: 'string', format: 'uri' },
        when: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        ip: { type: 'string', format: 'ipv4' },
        mail: { type: 'string', format: 'email' },
      },
    };
    const good = {
      url: 'https://example.com/x',
      when: '2026-01-31T10:00:00Z',
      day: '2024-02-29',
      ip: '10.0.0.1',
      mail: 'a@example.com',
    };
    expect(fields(good, formats)).toEqual([]);
    const bad = { url: 'no url', when: '2026-01-31', day: '2023-02-29', ip: '10.0.0', mail: 'a@b' };
    expect(fields(bad, formats).sort()).toEqual(['day', 'ip', 'mail', 'url', 'when']);
  });

  it('compiles a schema once', () => {
    const once = { type: 'object' };
    expect(compileConfigSchema(once)).toBe(compileConfigSchema(once));
  });

  it('lets two schemas share an $id, and reads draft-07 when $schema says so', () => {
    const a = { $id: 'urn:example:config', type: 'object', required: ['a'] };
    const b = { $id: 'urn:example:config', type: 'object', required: ['b'] };
    expect(fields({}, a)).toEqual(['a']);
    expect(fields({}, b)).toEqual(['b']);
    const draft7 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'array',
      items: [{ type: 'string' }],
      additionalItems: false,
    };
    expect(fields(['a'], draft7)).toEqual([]);
    expect(fields(['a', 'b'], draft7)).toEqual(['']);
  });
});

describe('configSchemaProblem', () => {
  it.each([
    [{ type: 'text' }, 'type'],
    [{ type: 'string', pattern: '(' }, 'Invalid regular expression'],
    [{ type: 'integer', minimun: 1 }, 'minimun'],
    [{ anyOf: [] }, 'anyOf'],
    [{ type: 'string', format: 'no-such-format' }, 'no-such-format'],
  ])('refuses %j, saying why', (bad, word) => {
    expect(configSchemaProblem(bad)).toContain(word);
  });

  it("refuses a schema that claims a meta-schema's $id, and every later schema still compiles", () => {
    for (const id of [
      'https://json-schema.org/draft/2020-12/schema',
      'http://json-schema.org/draft-07/schema#',
    ]) {
      expect(() => compileConfigSchema({ $id: id, type: 'object' })).toThrow(/meta-schema/);
    }
    const validate = compileConfigSchema({
      type: 'object',
      properties: { a: { type: 'integer' } },
    });
    expect(validate({ a: 1 })).toBe(true);
    expect(validate({ a: 'x' })).toBe(false);
  });

  it('accepts annotations and what ajv enforces', () => {
    expect(configSchemaProblem({ ...schema, title: 'Config', description: 'd' })).toBeUndefined();
  });
});

describe('enforceConfigSchema', () => {
  const manifest = (configSchema?: unknown): PluginManifest =>
    parseManifest(
      {
        name: 'demo',
        version: '1.0.0',
        engines: { berth: '*' },
        main: 'index.js',
        services: [
          {
            name: 'svc',
            contract: 'demo@1',
            ...(configSchema === undefined ? {} : { configSchema }),
          },
        ],
      },
      'plugin.json',
    );

  it('returns the config with defaults, or the config as is without a schema', () => {
    expect(enforceConfigSchema(manifest(schema), 'svc', { greeting: 'yo' })).toEqual({
      greeting: 'yo',
      limit: 10,
    });
    expect(enforceConfigSchema(manifest(), 'svc', { any: 1 })).toEqual({ any: 1 });
  });

  it('throws CONFIG_INVALID naming plugin, service and each key path', () => {
    let thrown: unknown;
    try {
      enforceConfigSchema(manifest(schema), 'svc', { limit: 500 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BerthError);
    expect(thrown).toMatchObject({ code: codes.CONFIG_INVALID, plugin: 'demo', service: 'svc' });
    const { data, message } = thrown as BerthError;
    const problems = data?.['problems'] as { path: string }[];
    expect(problems.map((p) => p.path).sort()).toEqual(['greeting', 'limit']);
    expect(message).toContain('limit must be at most 100 (got 500)');
    expect(message).toContain('berth plugins config demo svc key=value');
  });

  it('leaves a schema that is not JSON Schema to the manifest, which refuses it naming the service', () => {
    expect(() => manifest({ anyOf: [] })).toThrowError(
      expect.objectContaining({
        code: codes.MANIFEST_INVALID,
        data: expect.objectContaining({ field: 'services[0].configSchema' }),
      }),
    );
  });
});
