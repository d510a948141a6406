import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/sdk/context.js';
import { callContext } from '../../../src/testing/index.js';

const service: ServiceContext = {
  plugin: 'greeter',
  version: '1.2.3',
  service: 'greetings',
  log: pino({ level: 'silent' }),
  config: { greeting: 'hello' },
  dataDir: '/nowhere',
  signal: new AbortController().signal,
};

describe('berth/testing callContext', () => {
  it("carries the service's context, the method and a signal that has not fired", () => {
    const ctx = callContext(service, 'greet');
    expect(ctx).toMatchObject({
      plugin: 'greeter',
      version: '1.2.3',
      service: 'greetings',
      config: { greeting: 'hello' },
      dataDir: '/nowhere',
      method: 'greet',
    });
    expect(ctx.log).toBe(service.log);
    expect(ctx.signal.aborted).toBe(false);
    // A call's signal is its own, not the service's stop signal.
    expect(ctx.signal).not.toBe(service.signal);
  });

  it('aborts with the signal it is given', () => {
    const controller = new AbortController();
    const ctx = callContext(service, 'greet', controller.signal);
    controller.abort(new Error('caller gave up'));
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toEqual(new Error('caller gave up'));
  });

  it('gives result bytes as plain zeroed arrays, and refuses a length that is not one, as the host does', () => {
    const ctx = callContext(service, 'read');
    const bytes = ctx.resultBytes(64 * 1024);
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.byteLength).toBe(64 * 1024);
    expect(bytes.every((byte) => byte === 0)).toBe(true);
    expect(ctx.resultBytes(0).byteLength).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
      expect(() => ctx.resultBytes(bad)).toThrow(RangeError);
      expect(() => ctx.resultBytes(bad)).toThrow(`ctx.resultBytes(${String(bad)})`);
    }
  });
});
