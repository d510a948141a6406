/**
 * The problems found in one manifest, collected so that the author sees every mistake at
 * once instead of fixing them one run at a time.
 */
import { describeValue } from '../config/field-path.js';
import { formatProblem } from '../config/schema-problems.js';
import type { SchemaProblem } from '../config/schema-problems.js';
import { BerthError, codes } from '../errors.js';

/** One thing wrong with a manifest: where, what was expected there, what was found. */
export type ManifestProblem = SchemaProblem;

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

  /** Records problems already described, such as a schema's (see checkManifestSchema). */
  addAll(problems: readonly ManifestProblem[]): void {
    this.#items.push(...problems);
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
  const lines = problems.map((p) => formatProblem(p, 'the manifest'));
  const message =
    lines.length === 1
      ? `plugin.json at ${file}: ${lines.join('')}`
      : `plugin.json at ${file} has ${lines.length} problems: ${lines.join('; ')}`;
  return new BerthError(codes.MANIFEST_INVALID, message, {
    plugin,
    data: { file, field: problems[0]?.field ?? '', problems: problems.map((p) => ({ ...p })) },
  });
}
