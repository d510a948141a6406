import { describe, expect, it } from 'vitest';
import { BerthError, codes, isBerthError, MAX_MESSAGE_CHARS } from '../../../src/errors.js';
import { fromWireError } from '../../../src/wire-error.js';
import { copyAcrossWire, presentCallError } from '../../../src/isolation/call-error.js';

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

/** A Proxy of `target` whose every trap throws. */
function throwingProxy<T extends object>(target: T): T {
  const fail = () => {
    throw new Error('trap');
  };
  return new Proxy(target, { get: fail, has: fail, getPrototypeOf: fail, ownKeys: fail });
}

describe('presentCallError on what it cannot trust', () => {
  it('never throws on a value that cannot be inspected: BERTH_ERR_PLUGIN_ERROR', () => {
    const { proxy, revoke } = Proxy.revocable(new Error('revoked'), {});
    revoke();
    const claimsBrand = new Proxy(new Error('x'), {
      has: () => true,
      get: () => {
        throw new Error('get');
      },
    });
    for (const value of [throwingProxy(new Error('x')), proxy, claimsBrand]) {
      const error = presentCallError(value, site);
      expect(error).toMatchObject({ code: codes.PLUGIN_ERROR, ...site });
      expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    }
  });

  it('bounds the message it makes', () => {
    const error = presentCallError(new Error('m'.repeat(10_000_000)), site);
    expect(error.code).toBe(codes.PLUGIN_ERROR);
    expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    const berth = presentCallError(
      new BerthError(codes.INVALID_ARGUMENT, 'm'.repeat(10_000_000)),
      site,
    );
    expect(berth.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  });

  it('presents a host code forged by a plugin as BERTH_ERR_PLUGIN_ERROR, the code kept on the cause', () => {
    for (const code of [codes.PLUGIN_CRASHED, codes.CALL_TIMEOUT, codes.PROTOCOL]) {
      const forged = fromWireError({
        name: 'BerthError',
        message: 'forged',
        code,
        plugin: 'p',
        method: 'm',
      });
      const error = presentCallError(forged, site);
      expect(error).toMatchObject({ code: codes.PLUGIN_ERROR, ...site });
      expect(error.cause).toMatchObject({ code, message: 'forged' });
      expect(isBerthError(error.cause)).toBe(false);
    }
  });
});

describe('copyAcrossWire', () => {
  it("gives an inline plugin's error what a thread's caller gets: bounded, host codes demoted", () => {
    const conflict = copyAcrossWire(
      new BerthError(codes.REVISION_CONFLICT, 'stale', { data: { current: 3 } }),
    );
    expect(conflict).toMatchObject({ code: codes.REVISION_CONFLICT, data: { current: 3 } });
    const forged = copyAcrossWire(new BerthError(codes.PLUGIN_CRASHED, 'forged'));
    expect(isBerthError(forged)).toBe(false);
    expect(forged).toMatchObject({ code: codes.PLUGIN_CRASHED });
    expect(copyAcrossWire(throwingProxy({})).message).toBe('[a value that cannot be inspected]');
  });
});
