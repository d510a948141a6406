/**
 * `namePrefix` as a range, for stores that keep names in an ordered index:
 * `name >= prefix AND name < prefixUpperBound(prefix)`. An index can seek it, unlike
 * `LIKE` (whose `%` and `_` are wildcards, and which may ignore case).
 */

/**
 * The least string greater than every string that starts with `prefix`, in code point
 * order (SQLite's BINARY on UTF-8, PostgreSQL's `COLLATE "C"`); undefined when there is
 * none (an empty prefix, or one made only of U+10FFFF). It is the prefix with its last
 * code point incremented, after dropping trailing U+10FFFF; the surrogate range is
 * skipped, since no well-formed string holds those code points.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last === 0x10ffff) continue;
    points.push(last === 0xd7ff ? 0xe000 : last + 1);
    return String.fromCodePoint(...points);
  }
  return undefined;
}
