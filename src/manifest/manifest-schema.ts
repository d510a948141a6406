/**
 * The published schema of plugin.json (docs/plugin.schema.json), compiled once, and the
 * name patterns other modules check names against, read from the schema so there is one
 * definition of each.
 */
import type { ValidateFunction } from 'ajv';

// A JSON import, so the build copies the schema next to the code (dist/docs/) and an
// installed copy of Berth finds it where the module does.
import schema from '../../docs/plugin.schema.json' with { type: 'json' };
import { ownSchemaAjv } from '../config/create-ajv.js';
import { schemaProblems } from '../config/schema-problems.js';
import type { ManifestProblem } from './problem-list.js';

/** Plugin names: lower-case kebab-case, like an npm package. */
export const PLUGIN_NAME = new RegExp(schema.properties.name.pattern, 'u');

/** Service names: an identifier or kebab-case word, so `plugin/service` stays unambiguous. */
export const SERVICE_NAME = new RegExp(schema.$defs.service.properties.name.pattern, 'u');

/** Contract names: `name@major`, e.g. `storage@1`. */
export const CONTRACT = new RegExp(schema.$defs.service.properties.contract.pattern, 'u');

let validate: ValidateFunction | undefined;

/**
 * Everything in `raw` that plugin.schema.json refuses, in the order an author reads
 * them; empty when the manifest matches the schema. `raw` is not changed.
 */
export function checkManifestSchema(raw: unknown): ManifestProblem[] {
  validate ??= ownSchemaAjv().compile(schema);
  if (validate(raw)) return [];
  return schemaProblems(validate.errors, { topLevelKey: 'a manifest field' });
}
