/**
 * Enforces a service's `configSchema` on its config: a small JSON-schema validator for
 * the subset that check-config-schema.ts admits (type, properties, required,
 * additionalProperties, enum, minimum/maximum, minLength/maxLength, pattern, items,
 * default). It reports every problem at once, each with its key path, and fills in
 * `default`s, so a plugin always receives a config its schema accepts.
 */
import { BerthError, codes } from '../errors.js';
import type { PluginManifest } from '../manifest/manifest.js';
import { describeValue, fieldPath, ProblemList } from '../manifest/problem-list.js';
import { checkConfigSchema, compilePattern } from './check-config-schema.js';
import { isPlainObject } from '../plain-object.js';

/** One way a config fails its schema. */
export interface ConfigProblem {
  /** The key path in the config, such as `limits.max` or `servers[0]`; `''` is the config itself. */
  path: string;
  /** What belongs there, phrased to follow "must be". */
  expected: string;
  /** A short rendering of what was there. */
  got: string;
}

type Schema = Record<string, unknown>;

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return false;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
    );
  }
  return false;
}

/**
 * Checks `value` against `schema` (which must pass checkConfigSchema) and returns a copy
 * with every missing property that has a `default` filled in, plus every problem found.
 * `value` is never changed.
 */
export function validateConfig(
  schema: Schema,
  value: unknown,
): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const checked = check(schema, structuredClone(value), '', problems);
  return { value: checked, problems };
}

function check(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  const fail = (expected: string, got: unknown, at = path): void => {
    problems.push({ path: at, expected, got: describeValue(got) });
  };
  const { type } = schema;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (!types.some((t) => hasType(value, t))) {
      fail(
        types.length === 1 ? `of type ${String(types[0])}` : `of type ${types.join(' or ')}`,
        value,
      );
      return value;
    }
  }
  const choices = schema['enum'];
  if (Array.isArray(choices) && !choices.some((choice) => sameJson(choice, value))) {
    fail(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
  }
  if (typeof value === 'number') {
    const { minimum, maximum } = schema;
    if (typeof minimum === 'number' && value < minimum) fail(`at least ${minimum}`, value);
    if (typeof maximum === 'number' && value > maximum) fail(`at most ${maximum}`, value);
  }
  if (typeof value === 'string') {
    const { minLength, maxLength, pattern } = schema;
    const length = [...value].length; // code points, as JSON schema counts them
    if (typeof minLength === 'number' && length < minLength) {
      fail(`at least ${minLength} characters long`, value);
    }
    if (typeof maxLength === 'number' && length > maxLength) {
      fail(`at most ${maxLength} characters long`, value);
    }
    if (typeof pattern === 'string' && compilePattern(pattern)?.test(value) === false) {
      fail(`a string matching /${pattern}/`, value);
    }
  }
  const { items } = schema;
  if (Array.isArray(value) && isPlainObject(items)) {
    return value.map((item, index) => check(items, item, fieldPath(path, index), problems));
  }
  if (!isPlainObject(value)) return value;

  const properties = isPlainObject(schema['properties']) ? schema['properties'] : {};
  const result: Record<string, unknown> = { ...value };
  for (const [name, sub] of Object.entries(properties)) {
    if (!isPlainObject(sub)) continue;
    if (!Object.hasOwn(result, name) && sub['default'] !== undefined) {
      result[name] = structuredClone(sub['default']);
    }
    if (Object.hasOwn(result, name)) {
      result[name] = check(sub, result[name], fieldPath(path, name), problems);
    }
  }
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  for (const name of required) {
    if (typeof name === 'string' && !Object.hasOwn(result, name)) {
      fail('set (it is required)', undefined, fieldPath(path, name));
    }
  }
  const extra = schema['additionalProperties'];
  for (const name of Object.keys(result)) {
    if (Object.hasOwn(properties, name)) continue;
    const at = fieldPath(path, name);
    if (extra === false) {
      const known = Object.keys(properties);
      fail(
        known.length === 0
          ? 'absent: no keys are allowed'
          : `absent: the keys are ${known.join(', ')}`,
        result[name],
        at,
      );
    } else if (isPlainObject(extra)) {
      result[name] = check(extra, result[name], at, problems);
    }
  }
  return result;
}

/**
 * The config `service` of `manifest` will receive: `config` with the defaults of the
 * service's `configSchema` filled in, or `config` itself when it has no schema. Throws
 * BERTH_ERR_MANIFEST_INVALID when the schema uses what Berth does not enforce, and
 * BERTH_ERR_CONFIG_INVALID naming the plugin, the service and every key path that fails
 * (`data.problems`) when the config does not match it.
 */
export function enforceConfigSchema(
  manifest: PluginManifest,
  manifestPath: string,
  service: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const index = manifest.services.findIndex((s) => s.name === service);
  const schema = manifest.services[index]?.configSchema;
  if (schema === undefined) return config;
  const schemaProblems = new ProblemList();
  checkConfigSchema(schema, `services[${index}].configSchema`, schemaProblems);
  schemaProblems.throwIfAny(manifestPath, manifest.name);
  const { value, problems } = validateConfig(schema, config);
  if (problems.length === 0) return value as Record<string, unknown>;
  const lines = problems.map(
    (p) => `${p.path === '' ? 'the config' : p.path} must be ${p.expected} (got ${p.got})`,
  );
  throw new BerthError(
    codes.CONFIG_INVALID,
    `plugin "${manifest.name}" service "${service}": the config does not match its configSchema: ` +
      `${lines.join('; ')}; fix these keys (berth plugins config ${manifest.name} ${service} key=value)`,
    { plugin: manifest.name, service, data: { problems } },
  );
}
