/**
 * A service's `configSchema`: full JSON Schema (draft 2020-12, or draft-07 when its
 * `$schema` says so) through ajv. A schema is checked when its manifest is read (a
 * broken one refuses the plugin there), compiled once and cached, and enforced on every
 * config the service receives, with its `default`s filled in.
 */
import type { ValidateFunction } from 'ajv';

import { BerthError, codes } from '../errors.js';
import type { PluginManifest } from '../manifest/manifest.js';
import { pluginSchemaAjv } from './create-ajv.js';
import { formatProblem, schemaProblems } from './schema-problems.js';

/**
 * One way a config fails its schema. `path` (not `field`, as in a manifest problem) is
 * the key path in the config, as `data.problems` of BERTH_ERR_CONFIG_INVALID has always
 * named it.
 */
export interface ConfigProblem {
  /** The key path in the config, such as `limits.max` or `servers[0]`; `''` is the config itself. */
  path: string;
  /** What belongs there, phrased to follow "must be". */
  expected: string;
  /** A short rendering of what was there. */
  got: string;
}

// Keyed by the schema object the manifest holds: one compile per manifest read, however
// often the service is configured or restarted.
const compiled = new WeakMap<object, ValidateFunction>();

/** The ids of JSON Schema's own (meta-)schemas, which ajv keeps and a plugin must not claim. */
const META_SCHEMA_ID = /^https?:\/\/json-schema\.org\//i;

/**
 * The validator of `schema`, compiled on first use. Throws ajv's error when `schema` is
 * not valid JSON Schema or uses a keyword or format ajv does not enforce.
 */
export function compileConfigSchema(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate !== undefined) return validate;
  const ajv = pluginSchemaAjv(schema);
  const id = schema['$id'];
  if (typeof id === 'string') {
    // The instance is shared: a schema claiming a meta-schema's id would replace the
    // meta-schema for every plugin read after it.
    if (META_SCHEMA_ID.test(id)) {
      throw new Error(
        `$id ${JSON.stringify(id)} is a JSON Schema meta-schema's; give the schema an id of its own`,
      );
    }
    // Two plugins (or two versions of one) may reuse an `$id`; each schema stands alone.
    ajv.removeSchema(id);
  }
  try {
    validate = ajv.compile(schema);
  } finally {
    // The function keeps what it needs; ajv's own registry would keep every schema ever
    // read (each manifest read makes new objects) for the life of the host.
    ajv.removeSchema(schema);
  }
  compiled.set(schema, validate);
  return validate;
}

/**
 * Why `schema` cannot be a `configSchema` (ajv's words), or undefined when it can.
 * Never throws.
 */
export function configSchemaProblem(schema: Record<string, unknown>): string | undefined {
  try {
    compileConfigSchema(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Checks `value` against `schema` and returns a copy with the schema's defaults filled
 * in, plus every problem found (empty when it matches). `value` is never changed.
 */
export function validateConfig(
  schema: Record<string, unknown>,
  value: unknown,
): { value: unknown; problems: ConfigProblem[] } {
  const validate = compileConfigSchema(schema);
  // useDefaults writes into what it validates: a copy, so the caller's object stays as is.
  const copy: unknown = structuredClone(value);
  if (validate(copy)) return { value: copy, problems: [] };
  const problems = schemaProblems(validate.errors, { topLevelKey: 'a config key' });
  return {
    value: copy,
    problems: problems.map(({ field, ...rest }) => ({ path: field, ...rest })),
  };
}

/**
 * The config `service` of `manifest` will receive: `config` with the defaults of the
 * service's `configSchema` filled in, or `config` itself when it has no schema. Throws
 * BERTH_ERR_CONFIG_INVALID naming the plugin, the service and every key path that fails
 * (`data.problems`) when the config does not match it.
 */
export function enforceConfigSchema(
  manifest: PluginManifest,
  service: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const schema = manifest.services.find((s) => s.name === service)?.configSchema;
  if (schema === undefined) return config;
  const { value, problems } = validateConfig(schema, config);
  if (problems.length === 0) return value as Record<string, unknown>;
  const lines = problems.map(({ path, ...rest }) =>
    formatProblem({ field: path, ...rest }, 'the config'),
  );
  throw new BerthError(
    codes.CONFIG_INVALID,
    `plugin "${manifest.name}" service "${service}": the config does not match its configSchema: ` +
      `${lines.join('; ')}; fix these keys (berth plugins config ${manifest.name} ${service} key=value)`,
    { plugin: manifest.name, service, data: { problems } },
  );
}
