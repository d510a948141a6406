import { describe, expect, it } from 'vitest';
import { parseIfMatch } from '../../../src/service/if-match.js';

describe('parseIfMatch', () => {
  it('reads no header, *, and one revision quoted, bare or weak', () => {
    expect(parseIfMatch(undefined)).toEqual({ kind: 'none' });
    expect(parseIfMatch(' * ')).toEqual({ kind: 'any' });
    for (const header of ['"7"', '7', 'W/"7"']) {
      expect(parseIfMatch(header)).toEqual({ kind: 'revision', revision: 7 });
    }
  });

  it('refuses lists, words, half-quoted and unsafe numbers', () => {
    for (const header of ['"3", "4"', 'yesterday', '"7', '-1', '"99999999999999999"', '']) {
      expect(() => parseIfMatch(header)).toThrow(
        expect.objectContaining({
          code: 'BERTH_ERR_INVALID_ARGUMENT',
          data: { field: 'if-match' },
        }),
      );
    }
  });
});
