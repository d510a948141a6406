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

  it("passes Berth's own errors that name plugin and method unchanged", () => {
    const own = new BerthError(codes.METHOD_NOT_FOUND, 'no such method', site);
    expect(presentCallError(own, site)).toBe(own);
  });

  it('gives each caller of a plugin-wide error (a crash) its own copy naming its call', () => {
    const crash = new BerthError(codes.PLUGIN_CRASHED, 'crashed', {
      plugin: 'p',
      data: { exitCode: 1 },
    });
    const error = presentCallError(crash, site);
    expect(error).not.toBe(crash);
    expect(error).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      ...site,
      data: { exitCode: 1 },
      message: 'crashed',
    });
  });

  it('describes thrown values that are not errors', () => {
    expect(presentCallError('nope', site)).toMatchObject({
      code: codes.PLUGIN_ERROR,
      message: expect.stringContaining('nope'),
    });
  });
});
