/**
 * The ajv instances Berth validates with: one for its own schemas (plugin.json,
 * berth.config.json), and those for the `configSchema` plugin authors write. Each is
 * made once per process; ajv compiles a schema into a function, so a schema is compiled
 * once and the function kept (see config-schema.ts for the cache).
 */
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Options } from 'ajv';

import { CONFIG_FORMATS } from './formats.js';

/**
 * The annotation our own schemas use to say, in words that follow "must be", what a
 * field holds (`"a semver version such as \"1.0.0\""`). Editors ignore it; the error
 * formatter (schema-problems.ts) prefers it to ajv's generic message.
 */
export const EXPECTED_KEYWORD = 'x-expected';

const COMMON: Options = {
  // Every problem at once, so an author fixes a file in one pass, not one run per mistake.
  allErrors: true,
  // The formatter needs the failing value and the schema around each error.
  verbose: true,
  // Never write to the console from inside a host.
  logger: false,
};

let own: Ajv2020 | undefined;

/**
 * The instance for Berth's own schemas (draft 2020-12), strict: a keyword it does not
 * know in our schemas is our bug, and compiling says so.
 */
export function ownSchemaAjv(): Ajv2020 {
  if (own === undefined) {
    own = new Ajv2020({ ...COMMON, strict: true, allowUnionTypes: true });
    own.addKeyword({ keyword: EXPECTED_KEYWORD, schemaType: 'string' });
  }
  return own;
}

/**
 * What plugin authors' schemas get: defaults filled in (`useDefaults`), unknown keywords
 * and formats refused (a misspelt `"minimun"` would otherwise let anything through), but
 * none of ajv's stricter style rules about how types are spelled.
 */
const PLUGIN_OPTIONS: Options = {
  ...COMMON,
  formats: CONFIG_FORMATS,
  useDefaults: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
};

let plugin2020: Ajv2020 | undefined;
let plugin07: Ajv | undefined;

/** JSON Schema drafts a `configSchema` may declare in `$schema`; 2020-12 without one. */
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/**
 * The instance for a plugin's `configSchema`: draft-07 when its `$schema` says so, else
 * draft 2020-12 (which then refuses any other `$schema` it does not know).
 */
export function pluginSchemaAjv(schema: Record<string, unknown>): Ajv | Ajv2020 {
  const declared = schema['$schema'];
  if (typeof declared === 'string' && DRAFT_07.test(declared)) {
    plugin07 ??= new Ajv(PLUGIN_OPTIONS);
    return plugin07;
  }
  plugin2020 ??= new Ajv2020(PLUGIN_OPTIONS);
  return plugin2020;
}
