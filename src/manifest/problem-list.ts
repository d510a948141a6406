/**
 * The problems found in one manifest, collected so that the author sees every mistake at
 * once instead of fixing them one run at a time.
 */
import { BerthError, codes } from '../errors.js';

/** One thing wrong with a manifest: where, what was expected there, what was found. */
export interface ManifestProblem {
  /** The field path, such as `services[1].contract`; `''` is the manifest itself. */
  field: string;
  /** What belongs there, phrased to follow "must be": `a semver version such as "1.0.0"`. */
  expected: string;
  /** A short rendering of what was found (`"storage"`, `nothing`, `an array`). */
  got: string;
}

const MAX_GOT_LENGTH = 60;

/** A manifest field path with `key` appended: `services[1]` + `name`, `migrations` + 0. */
export function fieldPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  const part = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  if (prefix === '') return part;
  return part.startsWith('"') ? `${prefix}[${part}]` : `${prefix}.${part}`;
}

/**
 * A short, single-line rendering of a JSON value for messages. Never throws and never
 * returns more than about 60 characters, whatever the manifest holds.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  if (text.length <= MAX_GOT_LENGTH) return text;
  return `${text.slice(0, MAX_GOT_LENGTH - 1)}…${typeof value === 'string' ? '"' : ''}`;
}

/**
 * Collects manifest problems, then raises them all in one `MANIFEST_INVALID` error.
 * The order of `add` calls is the order the author reads them in.
 */
export class ProblemList {
  readonly #items: ManifestProblem[] = [];

  /** Records that `field` should have been `expected` but held `value`. */
  add(field: string, expected: string, value: unknown): void {
    this.#items.push({ field, expected, got: describeValue(value) });
  }

  /** How many problems have been recorded so far. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * Throws {@link invalidManifest} with every problem recorded, in order; returns
   * normally when there is none.
   */
  throwIfAny(file: string, plugin?: string): void {
    if (this.#items.length > 0) throw invalidManifest(file, this.#items, plugin);
  }
}

/**
 * The one `MANIFEST_INVALID` error for a list of problems (at least one): its message
 * names the file and every field path, and `data` is `{ file, field, problems }` where
 * `field` is the first problem's path.
 */
export function invalidManifest(
  file: string,
  problems: readonly ManifestProblem[],
  plugin?: string,
): BerthError {
  const lines = problems.map(formatProblem);
  const message =
    lines.length === 1
      ? `plugin.json at ${file}: ${lines.join('')}`
      : `plugin.json at ${file} has ${lines.length} problems: ${lines.join('; ')}`;
  return new BerthError(codes.MANIFEST_INVALID, message, {
    plugin,
    data: { file, field: problems[0]?.field ?? '', problems: problems.map((p) => ({ ...p })) },
  });
}

function formatProblem(problem: ManifestProblem): string {
  const subject = problem.field === '' ? 'the manifest' : problem.field;
  return `${subject} must be ${problem.expected} (got ${problem.got})`;
}
