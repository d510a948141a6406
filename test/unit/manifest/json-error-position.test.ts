import { describe, it, expect } from 'vitest';

import { jsonErrorPosition } from '../../../src/manifest/json-error-position.js';

describe('jsonErrorPosition', () => {
  it.each([
    ['{"a":}', 5],
    ['{\n  "a": 1,\n}', 12],
    ['', 0],
    ['{"a"', 4],
    ['[1,]', 3],
    ['{"a":1} x', 8],
    ['-', 1],
    ['01', 1],
    ['1.', 2],
    ['tru', 3],
    ['"\\x"', 2],
    ['"a\nb"', 2],
    ['[1 2]', 3],
    ['{,}', 1],
    ['"abc', 4],
  ])('finds where %j stops being JSON (offset %i)', (text, position) => {
    expect(jsonErrorPosition(text)?.position).toBe(position);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it.each(['{"a":[1,2,{"b":null}],"c":"x\\u00e9"}', '  [ ]  ', '-0.5e+10', '[true,false,null]'])(
    'finds nothing wrong with valid JSON %j',
    (text) => {
      expect(jsonErrorPosition(text)).toBeUndefined();
    },
  );

  it('gives 1-based lines and columns', () => {
    expect(jsonErrorPosition('{\n  "a": 1,\n  "b": x\n}')).toEqual({
      position: 19,
      line: 3,
      column: 8,
    });
  });

  it('survives nesting deeper than the call stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(jsonErrorPosition(deep)).toBeUndefined();
    expect(jsonErrorPosition(`${deep}]`)?.position).toBe(200_000);
  });
});
