import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { hasSql, parseMigrationFile } from '../../../src/migrations/parse-migration-file.js';

const FILE = '/p/migrations/001_init.sql';
const parse = (...lines: string[]): ReturnType<typeof parseMigrationFile> =>
  parseMigrationFile(FILE, lines.join('\n'));

describe('parseMigrationFile', () => {
  it('splits a file into its up and down sections, keeping where each starts', () => {
    const sections = parse(
      '-- what this migration does',
      '',
      '-- berth:up',
      'CREATE TABLE t (x INTEGER);',
      '-- berth:down',
      'DROP TABLE t;',
    );
    expect(sections).toEqual({
      up: 'CREATE TABLE t (x INTEGER);',
      upLine: 4,
      down: 'DROP TABLE t;',
      downLine: 6,
    });
  });

  it('has no down section when the file has no down marker, and an empty one on purpose', () => {
    expect(parse('-- berth:up', 'CREATE TABLE t (x INTEGER);').down).toBeUndefined();
    const noop = parse('-- berth:up', 'SELECT 1;', '-- berth:down', '-- nothing to undo');
    expect(noop.down).toBe('-- nothing to undo');
    expect(hasSql(noop.down ?? '')).toBe(false);
  });

  it('reads CRLF files, a byte order mark and markers with extra spaces', () => {
    const sections = parseMigrationFile(
      FILE,
      '\uFEFF--  berth:up  \r\nSELECT 1;\r\n   -- berth:down\r\nSELECT 2;\r\n',
    );
    expect(sections.up).toBe('SELECT 1;');
    expect(sections.down).toBe('SELECT 2;\n');
  });

  it.each([
    ['a file without an up marker', ['CREATE TABLE t (x INTEGER);'], 1],
    ['an empty file', [''], 1],
    ['SQL before the up marker', ['-- fine', 'DROP TABLE t;', '-- berth:up', 'SELECT 1;'], 2],
    ['two up markers', ['-- berth:up', 'SELECT 1;', '-- berth:up', 'SELECT 2;'], 3],
    ['two down markers', ['-- berth:up', 'SELECT 1;', '-- berth:down', '-- berth:down'], 4],
    ['down before up', ['-- berth:down', 'SELECT 1;', '-- berth:up', 'SELECT 2;'], 1],
    ['an unknown marker', ['-- berth:up', 'SELECT 1;', '-- berth:dwn', 'SELECT 2;'], 3],
    ['an up section without SQL', ['-- berth:up', '-- only a comment', '-- berth:down'], 1],
  ])('refuses %s, naming the file and the line', (_, lines, line) => {
    expect(() => parse(...lines)).toThrow(
      expect.objectContaining({ code: codes.MIGRATION_INVALID, data: { file: FILE, line } }),
    );
  });
});
