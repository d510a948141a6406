/**
 * `namePrefix` as a range: `name >= prefix AND name < upperBound(prefix)`, which an index
 * on `name` can seek, unlike `LIKE` (whose `%` and `_` are wildcards, and which ignores
 * ASCII case by default) or `substr` (not indexable).
 */

/**
 * The least string greater than every string that starts with `prefix`, in code point
 * order (the order of SQLite's BINARY collation on UTF-8); undefined when there is none
 * (an empty prefix, or one made only of U+10FFFF). It is the prefix with its last code
 * point incremented, after dropping trailing U+10FFFF; the surrogate range is skipped,
 * since no well-formed string holds those code points.
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
