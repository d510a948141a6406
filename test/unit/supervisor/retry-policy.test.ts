import { describe, expect, it } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import {
  poisonCallError,
  RetriedCalls,
  shouldRetry,
} from '../../../src/supervisor/retry-policy.js';

const site = { plugin: 'p', service: 's', method: 'get' };
const died = (code: (typeof codes)[keyof typeof codes]): BerthError =>
  new BerthError(code, 'the worker died');

describe('the retry policy', () => {
  it('repeats an idempotent call after a crash, an OOM or a failed health check', () => {
    for (const code of [codes.PLUGIN_CRASHED, codes.PLUGIN_OOM, codes.PLUGIN_UNHEALTHY])
      expect(shouldRetry(died(code), ['get'], 'get')).toBe(true);
  });

  it('does not repeat a call after a hang, since a spinning call would hang the next worker too', () => {
    expect(shouldRetry(died(codes.PLUGIN_HUNG), ['get'], 'get')).toBe(false);
  });

  it('repeats only methods declared idempotent, and only after a death', () => {
    expect(shouldRetry(died(codes.PLUGIN_CRASHED), ['list'], 'get')).toBe(false);
    expect(shouldRetry(died(codes.PLUGIN_CRASHED), [], 'get')).toBe(false);
    expect(shouldRetry(died(codes.PLUGIN_ERROR), ['get'], 'get')).toBe(false);
    expect(shouldRetry(died(codes.CALL_TIMEOUT), ['get'], 'get')).toBe(false);
    expect(shouldRetry(new Error('not a BerthError'), ['get'], 'get')).toBe(false);
  });

  it('calls a repeat poison when its worker dies too, of any death, a hang included', () => {
    const first = died(codes.PLUGIN_CRASHED);
    for (const code of [
      codes.PLUGIN_CRASHED,
      codes.PLUGIN_OOM,
      codes.PLUGIN_UNHEALTHY,
      codes.PLUGIN_HUNG,
    ]) {
      const second = died(code);
      const poison = poisonCallError(site, first, second);
      expect(poison).toMatchObject({
        code: codes.POISON_CALL,
        plugin: 'p',
        service: 's',
        method: 'get',
        data: { first: codes.PLUGIN_CRASHED, second: code },
      });
      expect(poison?.cause).toBe(second);
    }
  });

  it('lets a repeat that fails without a death fail as it did', () => {
    const first = died(codes.PLUGIN_OOM);
    expect(poisonCallError(site, first, died(codes.PLUGIN_ERROR))).toBeUndefined();
    expect(poisonCallError(site, first, died(codes.CALL_TIMEOUT))).toBeUndefined();
    expect(poisonCallError(site, first, new Error('plain'))).toBeUndefined();
  });

  it('counts retried calls per runtime and forgets a runtime once none is in flight', () => {
    const a = {};
    const b = {};
    const retried = new RetriedCalls<object>();
    retried.add(a);
    retried.add(a);
    retried.add(b);
    retried.remove(a);
    expect([retried.has(a), retried.has(b)]).toEqual([true, true]);
    retried.remove(a);
    retried.remove(b);
    expect([retried.has(a), retried.has(b)]).toEqual([false, false]);
    retried.remove(a); // one too many leaves nothing behind
    expect(retried.has(a)).toBe(false);
  });
});
