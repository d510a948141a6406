import { describe, expect, it } from 'vitest';
import { BerthError, codes, fromWireError, isBerthError, toWireError } from '../../src/errors.js';

describe('error codes', () => {
  it('are exactly this list: codes are public API, never renamed or reused', () => {
    expect(Object.values(codes)).toEqual([
      'BERTH_ERR_MANIFEST_NOT_FOUND',
      'BERTH_ERR_MANIFEST_PARSE',
      'BERTH_ERR_MANIFEST_INVALID',
      'BERTH_ERR_ENGINE_INCOMPATIBLE',
      'BERTH_ERR_PATH_ESCAPE',
      'BERTH_ERR_PLUGIN_DUPLICATE',
      'BERTH_ERR_PLUGIN_LOAD',
      'BERTH_ERR_PLUGIN_NOT_BRANDED',
      'BERTH_ERR_PLUGIN_SERVICES_MISMATCH',
      'BERTH_ERR_PLUGIN_NOT_FOUND',
      'BERTH_ERR_PLUGIN_NOT_RUNNING',
      'BERTH_ERR_PLUGIN_ERROR',
      'BERTH_ERR_PLUGIN_CRASHED',
      'BERTH_ERR_START_FAILED',
      'BERTH_ERR_SERVICE_NOT_FOUND',
      'BERTH_ERR_SERVICE_AMBIGUOUS',
      'BERTH_ERR_METHOD_NOT_FOUND',
      'BERTH_ERR_UNENCODABLE',
      'BERTH_ERR_PROTOCOL_MISMATCH',
      'BERTH_ERR_ISOLATION_UNSUPPORTED',
      'BERTH_ERR_HOST_CLOSED',
      'BERTH_ERR_CONFIG_INVALID',
      'BERTH_ERR_CALL_ABORTED',
      'BERTH_ERR_INVALID_ARGUMENT',
      'BERTH_ERR_REVISION_CONFLICT',
      'BERTH_ERR_PLUGIN_DIR_NOT_FOUND',
      'BERTH_ERR_PLUGIN_HUNG',
      'BERTH_ERR_PLUGIN_OOM',
      'BERTH_ERR_CALL_TIMEOUT',
      'BERTH_ERR_OVERLOADED',
      'BERTH_ERR_PLUGIN_FAILED',
      'BERTH_ERR_PLUGIN_UNHEALTHY',
      'BERTH_ERR_NOT_FOUND',
      'BERTH_ERR_REQUEST_TOO_LARGE',
      'BERTH_ERR_UNAUTHORIZED',
      'BERTH_ERR_MIGRATION_INVALID',
      'BERTH_ERR_MIGRATION_MISMATCH',
      'BERTH_ERR_MIGRATION_FAILED',
      'BERTH_ERR_MIGRATION_IRREVERSIBLE',
      'BERTH_ERR_TARGET_NOT_EMPTY',
      'BERTH_ERR_INSTALL_FAILED',
      'BERTH_ERR_STATE_INVALID',
      'BERTH_ERR_PLUGIN_ENABLED',
      'BERTH_ERR_UPGRADE_FAILED',
      'BERTH_ERR_PROTOCOL',
    ]);
  });

  it('each name its key with the BERTH_ERR_ prefix', () => {
    for (const [key, code] of Object.entries(codes)) expect(code).toBe(`BERTH_ERR_${key}`);
  });
});

describe('BerthError', () => {
  it('is recognised by a brand, so a copy from another instance of the library still matches', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('berth.error')]: true,
      code: codes.PLUGIN_ERROR,
    });
    expect(foreign instanceof BerthError).toBe(true);
    expect(new Error('plain') instanceof BerthError).toBe(false);
    expect(isBerthError(new BerthError(codes.HOST_CLOSED, 'closed'), codes.HOST_CLOSED)).toBe(true);
    expect(isBerthError(new BerthError(codes.HOST_CLOSED, 'closed'), codes.PLUGIN_ERROR)).toBe(
      false,
    );
  });
});

describe('errors on the wire', () => {
  it('keep code, site, data, stack and the chain of causes', () => {
    const root = Object.assign(new RangeError('too deep'), { code: 'ERR_SOMETHING' });
    const error = new BerthError(codes.REVISION_CONFLICT, 'stale', {
      plugin: 'p',
      service: 's',
      method: 'm',
      data: { current: 3 },
      cause: root,
    });
    const back = fromWireError(structuredClone(toWireError(error)));
    expect(back).toMatchObject({
      code: codes.REVISION_CONFLICT,
      plugin: 'p',
      service: 's',
      method: 'm',
      data: { current: 3 },
    });
    expect(back.stack).toBe(error.stack);
    expect(back.cause).toMatchObject({
      name: 'RangeError',
      message: 'too deep',
      code: 'ERR_SOMETHING',
    });
    expect(isBerthError(back.cause)).toBe(false);
  });

  it('describe thrown non-errors and stop at a cyclic cause chain', () => {
    expect(toWireError('just a string')).toEqual({ name: 'NonError', message: 'just a string' });
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let wire = toWireError(a); wire.cause !== undefined; wire = wire.cause) depth += 1;
    expect(depth).toBeLessThanOrEqual(8);
  });
});
