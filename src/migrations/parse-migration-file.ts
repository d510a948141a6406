/**
 * Splits a SQL migration file into its sections.
 *
 *   -- any comment lines or blank lines         (nothing else before the first marker)
 *   -- berth:up
 *   CREATE TABLE …;                             the up section: applied on install
 *   -- berth:down
 *   DROP TABLE …;                               the down section: run on remove
 *
 * A marker is a line of its own, `-- berth:up` or `-- berth:down`; up comes first and
 * each appears at most once. Without a down section the migration is irreversible; a
 * down section with no SQL in it (only comments) says "nothing to undo" on purpose.
 */
import { BerthError, codes } from '../errors.js';

/** The sections of one migration file, as written (line endings normalised to `\n`). */
export interface MigrationSections {
  /** The SQL after `-- berth:up`, up to the down marker or the end of the file. */
  readonly up: string;
  /** The 1-based line of the file where the up section starts. */
  readonly upLine: number;
  /** The SQL after `-- berth:down`; undefined when the file has no down marker. */
  readonly down: string | undefined;
  /** The 1-based line where the down section starts (0 when there is none). */
  readonly downLine: number;
}

/** Where the problem is, for {@link parseMigrationFile}'s errors. */
export interface MigrationFileSite {
  plugin?: string | undefined;
  service?: string | undefined;
}

const MARKER = /^\s*--\s*berth:(\S*)\s*$/;

/**
 * Parses `text`, the contents of `file`. Throws BERTH_ERR_MIGRATION_INVALID, with
 * `data.file` and `data.line`, for a file without `-- berth:up`, a marker given twice,
 * down before up, an unknown `-- berth:…` marker, SQL before the first marker, or an up
 * section with no SQL in it.
 */
export function parseMigrationFile(
  file: string,
  text: string,
  site: MigrationFileSite = {},
): MigrationSections {
  const invalid = (line: number, problem: string): BerthError =>
    new BerthError(
      codes.MIGRATION_INVALID,
      `migration ${file}, line ${line}: ${problem}. A migration file holds \`-- berth:up\` ` +
        'and then SQL, optionally followed by `-- berth:down` and the SQL that undoes it',
      { plugin: site.plugin, service: site.service, data: { file, line } },
    );
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let upAt = 0;
  let downAt = 0;
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    const marker = MARKER.exec(line)?.[1];
    if (marker === undefined) {
      if (upAt === 0 && !isComment(line)) {
        throw invalid(number, 'SQL before `-- berth:up` (only comments may come first)');
      }
      continue;
    }
    if (marker === 'up') {
      if (upAt !== 0) throw invalid(number, `a second \`-- berth:up\` (the first is line ${upAt})`);
      upAt = number;
    } else if (marker === 'down') {
      if (upAt === 0) throw invalid(number, '`-- berth:down` before `-- berth:up`');
      if (downAt !== 0) {
        throw invalid(number, `a second \`-- berth:down\` (the first is line ${downAt})`);
      }
      downAt = number;
    } else {
      throw invalid(number, `unknown marker "-- berth:${marker}" (the markers are up and down)`);
    }
  }
  if (upAt === 0) throw invalid(1, 'no `-- berth:up` marker');
  const section = (from: number, to: number): string => lines.slice(from, to).join('\n');
  const up = section(upAt, downAt === 0 ? lines.length : downAt - 1);
  if (!hasSql(up)) throw invalid(upAt, 'the up section has no SQL');
  return {
    up,
    upLine: upAt + 1,
    down: downAt === 0 ? undefined : section(downAt, lines.length),
    downLine: downAt === 0 ? 0 : downAt + 1,
  };
}

/**
 * True when `sql` holds more than blank lines and `--` comments. A down section without
 * SQL is a deliberate no-op: the runner forgets the migration without running anything.
 */
export function hasSql(sql: string): boolean {
  return sql.split('\n').some((line) => !isComment(line));
}

function isComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('--');
}
