import { describe, expect, it } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import { presentCallError } from '../../../src/isolation/call-error.js';

const site = { plugin: 'p', service: 's', method: 'm' };

describe('presentCallError', () => {
  it("wraps a plugin's own error as BERTH_ERR_PLUGIN_ERROR with the original as cause", () => {
    const original = new TypeError('bad');
    const error = presentCallError(original, site);
    expect(error).toMatchObject({ code: codes.PLUGIN_ERROR, ...site });
    expect(error.cause).toBe(original);
    expect(error.message).toContain('p/s.m');
  });

  it('keeps the code of a BerthError thrown by the plugin and adds the site', () => {
    const error = presentCallError(
      new BerthError(codes.REVISION_CONFLICT, 'stale', { data: { r: 1 } }),
      site,
    );
    expect(error).toMatchObject({ code: codes.REVISION_CONFLICT, ...site, data: { r: 1 } });
  });

  it("passes Berth's own errors, which already name their plugin, unchanged", () => {
    const own = new BerthError(codes.PLUGIN_CRASHED, 'crashed', { plugin: 'p' });
    expect(presentCallError(own, site)).toBe(own);
  });

  it('describes thrown values that are not errors', () => {
    expect(presentCallError('nope', site)).toMatchObject({
      code: codes.PLUGIN_ERROR,
      message: expect.stringContaining('nope'),
    });
  });
});
