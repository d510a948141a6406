import { describe, it, expect } from 'vitest';

import { describeJsonError, jsonErrorPosition } from '../../../src/config/json-error-position.js';

describe('jsonErrorPosition', () => {
  it.each([
    ['{"a":}', 5, 'expected a value'],
    ['{\n  "a": 1,\n}', 12, 'expected a property name in double quotes (no trailing comma)'],
    ['', 0, 'expected a value'],
    ['{"a"', 4, 'expected ":"'],
    ['[1,]', 3, 'expected a value'],
    ['{"a":1} x', 8, 'unexpected character'],
    ['01', 1, 'expected the end of the text'],
    ['1.', 0, 'a number that ends too early'],
    ['tru', 0, 'unexpected character'],
    ['"\\x"', 0, 'an invalid escape character'],
    ['"a\nb"', 0, 'an unterminated string (or a line break inside one)'],
    ['[1 2]', 3, 'expected "," or a closing bracket'],
    ['{,}', 1, 'expected a value'],
    ['"abc', 0, 'an unterminated string (or a line break inside one)'],
    ['{"a": 1 // note\n}', 8, 'a comment, which JSON does not allow'],
  ])('finds where %j stops being JSON (offset %i: %s)', (text, position, problem) => {
    expect(jsonErrorPosition(text)).toMatchObject({ position, problem });
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it.each(['{"a":[1,2,{"b":null}],"c":"x\\u00e9"}', '  [ ]  ', '-0.5e+10', '[true,false,null]'])(
    'finds nothing wrong with valid JSON %j',
    (text) => {
      expect(jsonErrorPosition(text)).toBeUndefined();
    },
  );

  it('gives 1-based lines and columns, and says them in words', () => {
    const at = jsonErrorPosition('{\n  "a": 1,\n  "b": x\n}');
    expect(at).toEqual({ position: 19, line: 3, column: 8, problem: 'unexpected character' });
    expect(describeJsonError(at)).toBe(' (line 3, column 8: unexpected character)');
    expect(describeJsonError(undefined)).toBe('');
  });

  it('gives no position, rather than throwing, for nesting deeper than the call stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}]`;
    expect(jsonErrorPosition(deep)).toBeUndefined();
  });
});
