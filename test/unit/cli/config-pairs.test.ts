import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { parseConfigPairs } from '../../../src/cli/config-pairs.js';

describe('key=value config pairs', () => {
  it('read JSON values as JSON and anything else as a string', () => {
    expect(
      parseConfigPairs(['greeting=hi there', 'limit=20', 'debug=true', 'gone=null', 'id="007"']),
    ).toEqual({ greeting: 'hi there', limit: 20, debug: true, gone: null, id: '007' });
  });

  it('make nested keys from dots, later pairs winning', () => {
    expect(parseConfigPairs(['pool.max=8', 'pool.min=1', 'pool.max=9', 'a=x=y'])).toEqual({
      pool: { max: 9, min: 1 },
      a: 'x=y',
    });
  });

  it('keep "__proto__" a plain key', () => {
    const patch = parseConfigPairs(['__proto__.polluted=1']);
    expect(Object.keys(patch)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each(['greeting', '=x', 'pool..max=1', 'pool.=1'])(
    'refuse %j with BERTH_ERR_INVALID_ARGUMENT',
    (pair) => {
      expect(() => parseConfigPairs([pair])).toThrowError(
        expect.objectContaining({ code: codes.INVALID_ARGUMENT }),
      );
    },
  );
});
