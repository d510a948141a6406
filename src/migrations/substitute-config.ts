/**
 * `@config.key` in migration SQL: replaced by the value of `key` in the config of the
 * service that runs the migrations, so one file serves every configured schema, table
 * prefix or size.
 *
 * The rule that keeps config from injecting SQL: a value is written into the SQL as is,
 * without quotes, and only when it cannot change the statement's structure:
 *
 *   number   finite: written as a literal; a negative one in parentheses, `(-5)`, so
 *            that `x-@config.n` cannot become a `--` comment
 *   boolean  TRUE or FALSE
 *   string   only letters, digits and `_ . : -`, with no `--`: an identifier, a
 *            dotted name, a version, a plain word. Quote it in the file as the place
 *            needs (`"@config.schema".t`, `'@config.label'`); no quote character can
 *            occur in the value, so it cannot end the quoting early
 *
 * Anything else (null, an object, an array, a string with spaces or quotes) is refused
 * with BERTH_ERR_MIGRATION_INVALID, and so is a key the config does not have.
 *
 * Nested keys: `@config.a.b` descends into `a` while the value is an object; once it
 * reaches a value that is not, the rest of the dotted name stays in the SQL as written.
 * So with `schema: "s1"`, `@config.schema.items` becomes `s1.items`. References are
 * replaced everywhere in the text, comments included.
 */
import { BerthError, codes } from '../errors.js';
import type { ServiceConfig } from '../sdk/context.js';
import { isPlainObject } from '../plain-object.js';

/** Where the SQL comes from, for error messages. */
export interface SubstitutionSite {
  /** The migration file. */
  file: string;
  /** The file's line where `sql` starts (1-based); errors give the reference's own line. */
  firstLine?: number;
  plugin?: string | undefined;
  service?: string | undefined;
}

/** A reference: `@config` and one or more dotted keys. */
const REFERENCE = /@config((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g;
/** The characters a string value may have to be substituted. */
const SAFE_STRING = /^[A-Za-z0-9_.:-]*$/;

/**
 * Returns `sql` with every `@config.…` reference replaced by its value from `config`,
 * by the rule above. Throws BERTH_ERR_MIGRATION_INVALID naming the file, the line, the
 * key and the service when a key is missing or its value cannot be substituted safely.
 */
export function substituteConfig(
  sql: string,
  config: ServiceConfig,
  site: SubstitutionSite,
): string {
  return sql.replace(REFERENCE, (_match, path: string, offset: number) => {
    const keys = path.slice(1).split('.');
    const line = (site.firstLine ?? 1) + countNewlines(sql, offset);
    const refuse = (key: string, problem: string): BerthError =>
      new BerthError(
        codes.MIGRATION_INVALID,
        `migration ${site.file}, line ${line}: @config.${key} ${problem}` +
          (site.service === undefined ? '' : ` (config of service "${site.service}")`),
        {
          plugin: site.plugin,
          service: site.service,
          data: { file: site.file, line, key },
        },
      );
    let value: unknown = config;
    let used = 0;
    while (used < keys.length && isPlainObject(value)) {
      const key = keys[used] ?? '';
      if (!Object.hasOwn(value, key)) {
        throw refuse(
          keys.slice(0, used + 1).join('.'),
          'is not in the config: set it in the service config or defaultConfig',
        );
      }
      value = value[key];
      used += 1;
    }
    const key = keys.slice(0, used).join('.');
    const rest = keys
      .slice(used)
      .map((k) => `.${k}`)
      .join('');
    return renderValue(value, (problem) => refuse(key, problem)) + rest;
  });
}

function renderValue(value: unknown, refuse: (problem: string) => BerthError): string {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw refuse(`is ${value}, which SQL cannot express`);
      return value < 0 ? `(${value})` : String(value);
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'string':
      if (!SAFE_STRING.test(value) || value.includes('--')) {
        // The value is not shown: config may hold secrets, and the message reaches logs.
        throw refuse(
          `is a string of ${value.length} characters with characters that could change the ` +
            'SQL; only letters, digits and _ . : - (without --) can be substituted',
        );
      }
      return value;
    default:
      if (isPlainObject(value)) throw refuse('is an object: name one of its keys (@config.a.b)');
      throw refuse(
        `is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `of type ${typeof value}`}; ` +
          'only numbers, booleans and plain strings can be substituted',
      );
  }
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}
