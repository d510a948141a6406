/**
 * The schema of berth.config.json (docs/berth.config.schema.json), compiled once: it
 * validates the file, and the environment variables and flags mapped onto its keys, so
 * the three sources obey one definition. The defaults come from it too.
 */
import type { ValidateFunction } from 'ajv';

// A JSON import, so the build copies the schema next to the code (dist/docs/) and an
// installed copy of Berth finds it where the module does.
import schema from '../../docs/berth.config.schema.json' with { type: 'json' };
import { BerthError, codes } from '../errors.js';
import { isPlainObject } from '../plain-object.js';
import { ownSchemaAjv } from './create-ajv.js';
import { formatProblem, schemaProblems } from './schema-problems.js';

/** The file `berth serve` and the other commands read when `--config` names none. */
export const CONFIG_FILE = 'berth.config.json';

let validate: ValidateFunction | undefined;

/**
 * Throws BERTH_ERR_CONFIG_INVALID unless `raw` matches the schema. The message starts
 * with `source` (the file's path, `environment` or `flags`) and names every field as
 * `label(field)` gives it (`BERTH_PORT` rather than `port`); `data` is
 * `{ source, key, problems }`, `key` the first problem's field path.
 */
export function checkBerthConfig(
  raw: unknown,
  source: string,
  label: (field: string) => string = (field) => field,
): void {
  validate ??= ownSchemaAjv().compile(schema);
  if (validate(raw)) return;
  const problems = schemaProblems(validate.errors, { topLevelKey: `a key of ${CONFIG_FILE}` });
  const lines = problems.map((p) => formatProblem({ ...p, field: label(p.field) }, 'the config'));
  throw new BerthError(
    codes.CONFIG_INVALID,
    `${source}: ${lines.join('; ')} (the keys and their values: docs/berth.config.schema.json)`,
    { data: { source, key: problems[0]?.field ?? '', problems } },
  );
}

/** The JSON type the schema gives a top-level key, such as `integer` for `port`. */
export function schemaTypeOf(key: string): unknown {
  const property: unknown = (schema.properties as Record<string, unknown>)[key];
  return isPlainObject(property) ? property['type'] : undefined;
}

/**
 * The schema's `default`s as an object: every top-level key that has one, and the
 * defaults inside objects that have none of their own (`storage.name`).
 */
export function schemaDefaults(of: unknown = schema): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = isPlainObject(of) ? of['properties'] : undefined;
  if (!isPlainObject(properties)) return result;
  for (const [key, property] of Object.entries(properties)) {
    if (!isPlainObject(property)) continue;
    if ('default' in property) result[key] = structuredClone(property['default']);
    else if (isPlainObject(property['properties'])) result[key] = schemaDefaults(property);
  }
  return result;
}
