/**
 * The size rules of docs/architecture.md: no file under src/ over 300 lines and no
 * function over 80, unless a comment says why. The why is a comment containing `size rule:`
 * in the file's header (for a file) or just before the function (for a function).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

const sources = readdirSync(join(root, 'src'), { withFileTypes: true, recursive: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => relative(root, join(entry.parentPath, entry.name)));

/** The comments just before `node`, as written. */
function leadingComments(text: string, node: ts.Node): string {
  // A function's comment may sit before its statement (`export function`, `const f =`).
  let holder: ts.Node = node;
  while (
    holder.parent !== undefined &&
    !ts.isSourceFile(holder.parent) &&
    !ts.isBlock(holder.parent) &&
    !ts.isClassLike(holder.parent) &&
    !ts.isObjectLiteralExpression(holder.parent)
  ) {
    holder = holder.parent;
  }
  const ranges = ts.getLeadingCommentRanges(text, holder.getFullStart()) ?? [];
  return ranges.map((range) => text.slice(range.pos, range.end)).join('\n');
}

function oversized(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  const lines = text.split('\n').length;
  const header = text.slice(0, text.indexOf('*/') + 2);
  if (lines > MAX_FILE_LINES && !header.includes('size rule:'))
    found.push(`${file}: ${lines} lines`);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const length = last - first + 1;
      if (length > MAX_FUNCTION_LINES && !leadingComments(text, node).includes('size rule:')) {
        found.push(`${file}:${first + 1}: a function of ${length} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the size rules', () => {
  it(`no file under src/ is over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}, unless a size rule: comment says why`, () => {
    expect(sources.flatMap(oversized)).toEqual([]);
  });
});
