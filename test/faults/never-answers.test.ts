import { describe, expect, it } from 'vitest';
import { codes, isBerthError, type PluginHost } from '../../src/index.js';
import type { Silent } from '../fixtures/plugins/fault-never-answers/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-never-answers';

const inFlight = (host: PluginHost): number | undefined =>
  host.plugins().find((p) => p.name === PLUGIN)?.inFlight;

describe.each(FAULT_ISOLATIONS)('a plugin whose method never answers (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it('rejects a call with BERTH_ERR_CALL_TIMEOUT at its timeoutMs, cancels it in the plugin, and keeps the worker', async () => {
    const fault = await start([PLUGIN]);
    const silent = fault.host.service<Silent>('silent', { timeoutMs: 200 });
    const before = await silent.ping();

    const { value: error, ms } = await timed(() => rejection(silent.waitForAbort('timed out')));
    expect(error).toMatchObject({
      code: codes.CALL_TIMEOUT,
      plugin: PLUGIN,
      method: 'waitForAbort',
    });
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(200 + 2_000);
    // The plugin's ctx.signal fired too, so it could stop its work.
    await expect
      .poll(() => silent.abortsSeen())
      .toEqual([{ tag: 'timed out', reasonCode: codes.CALL_ABORTED }]);
    expect(await silent.ping()).toBe(before);
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
  });

  it("takes the host's callTimeoutMs as the default deadline", async () => {
    const fault = await start([PLUGIN], { callTimeoutMs: 200 });
    const { value: error, ms } = await timed(() =>
      rejection(fault.host.service<Silent>('silent').never()),
    );
    expect(error).toMatchObject({ code: codes.CALL_TIMEOUT, plugin: PLUGIN, method: 'never' });
    expect(ms).toBeLessThan(200 + 2_000);
  });

  it("rejects with BERTH_ERR_CALL_ABORTED when the caller's signal fires, and the plugin's ctx.signal sees it", async () => {
    const fault = await start([PLUGIN]);
    const controller = new AbortController();
    const silent = fault.host.service<Silent>('silent', { signal: controller.signal });
    const before = await silent.ping();

    const call = rejection(silent.waitForAbort('aborted by caller'));
    await expect.poll(() => inFlight(fault.host)).toBe(1);
    controller.abort();
    expect(await call).toMatchObject({ code: codes.CALL_ABORTED, method: 'waitForAbort' });
    const plain = fault.host.service<Silent>('silent');
    await expect
      .poll(() => plain.abortsSeen())
      .toEqual([{ tag: 'aborted by caller', reasonCode: codes.CALL_ABORTED }]);
    expect(await plain.ping()).toBe(before);
  });

  it('refuses the fifth concurrent call at once with BERTH_ERR_OVERLOADED when maxInFlight is 4', async () => {
    const fault = await start([PLUGIN], { maxInFlight: 4 });
    const controller = new AbortController();
    const silent = fault.host.service<Silent>('silent', { signal: controller.signal });
    const held = [1, 2, 3, 4].map((n) => rejection(silent.waitForAbort(`held ${n}`)));
    await expect.poll(() => inFlight(fault.host)).toBe(4);

    // A deadline, so that a fifth call wrongly let through fails the test instead of hanging it.
    const fifth = fault.host.service<Silent>('silent', { timeoutMs: 2_000 });
    const { value: error, ms } = await timed(() => rejection(fifth.never()));
    expect(error).toMatchObject({
      code: codes.OVERLOADED,
      plugin: PLUGIN,
      data: { maxInFlight: 4 },
    });
    expect(ms).toBeLessThan(500);
    expect(inFlight(fault.host)).toBe(4);
    // The bound is per plugin: the neighbour still answers.
    expect(await fault.echo()).toBe('neighbour unharmed');

    controller.abort();
    for (const settled of await Promise.all(held)) {
      expect(settled).toMatchObject({ code: codes.CALL_ABORTED });
    }
    // With the slots free again, a call goes through.
    expect(await fault.host.service<Silent>('silent').ping()).toBeTypeOf('number');
  });

  it('does not let a call that never answers hold up close() past its deadlines, and rejects that call', async () => {
    const stopTimeoutMs = 200;
    const fault = await start([PLUGIN], { stopTimeoutMs });
    const call = rejection(fault.host.service<Silent>('silent').never());
    await expect.poll(() => inFlight(fault.host)).toBe(1);

    // Draining waits stopTimeoutMs, then onStop gets as long; then the worker is ended.
    const { ms } = await timed(() => fault.host.close());
    expect(ms).toBeLessThan(2 * stopTimeoutMs + 2_000);
    expect(isBerthError(await call)).toBe(true);
  });
});
