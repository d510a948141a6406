/**
 * Where a JSON text first goes wrong, and what was expected there. Node 20's
 * `JSON.parse` names a position for some syntax errors but not for others
 * (`Unexpected token '}', "{"a":}" is not valid JSON`), and an author needs a line and
 * column either way, so the text is parsed again with jsonc-parser (the parser of VS
 * Code's JSON support), in strict JSON mode. It runs only after `JSON.parse` has failed.
 */
import { parse, printParseErrorCode } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';

/** A 0-based offset into a text, the 1-based line and column editors show, and what went wrong. */
export interface JsonErrorPosition {
  position: number;
  line: number;
  column: number;
  /** What the parser expected or found there: `expected a value`, `a comment`. */
  problem: string;
}

// jsonc-parser's error names (ParseErrorCode) in words; its codes are a const enum.
const PROBLEMS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'expected a property name in double quotes (no trailing comma)',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected "," or a closing bracket',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the text',
  InvalidCommentToken: 'a comment, which JSON does not allow',
  UnexpectedEndOfComment: 'an unterminated comment, which JSON does not allow',
  UnexpectedEndOfString: 'an unterminated string (or a line break inside one)',
  UnexpectedEndOfNumber: 'a number that ends too early',
  InvalidUnicode: 'an invalid \\u escape',
  InvalidEscapeCharacter: 'an invalid escape character',
  InvalidCharacter: 'a control character inside a string',
};

/**
 * The first syntax error of `text` as strict JSON (RFC 8259: no comments, no trailing
 * commas), or undefined when it is valid. Also undefined when it is nested too deeply
 * for the parser's recursion to reach the error: the caller then has `JSON.parse`'s
 * message alone.
 */
export function jsonErrorPosition(text: string): JsonErrorPosition | undefined {
  const errors: ParseError[] = [];
  try {
    parse(text, errors, {
      disallowComments: true,
      allowTrailingComma: false,
      allowEmptyContent: false,
    });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  const first = errors[0];
  if (first === undefined) return undefined;
  const name = printParseErrorCode(first.error);
  return { ...positionAt(text, first.offset), problem: PROBLEMS[name] ?? name };
}

/** The line and column (both 1-based) of a 0-based offset in `text`. */
export function positionAt(
  text: string,
  position: number,
): { position: number; line: number; column: number } {
  const before = text.slice(0, position);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { position, line: before.split('\n').length, column: position - lineStart + 1 };
}

/** ` (line 3, column 8: expected a value)`, or nothing when there is no position. */
export function describeJsonError(at: JsonErrorPosition | undefined): string {
  return at === undefined ? '' : ` (line ${at.line}, column ${at.column}: ${at.problem})`;
}
