import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { FailsHealth, HealthMode } from '../fixtures/plugins/fault-fails-health/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-fails-health';
const HEALTH = { intervalMs: 50, timeoutMs: 200, failures: 3 };

describe.each(FAULT_ISOLATIONS)('a plugin that fails its health checks (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it.each(['throw', 'unhealthy', 'hang'] as const satisfies readonly HealthMode[])(
    'when its check does %s: goes degraded, then is restarted; calls in flight reject with BERTH_ERR_PLUGIN_UNHEALTHY',
    async (mode) => {
      const fault = await start([PLUGIN], { health: HEALTH });
      const health = fault.host.service<FailsHealth>('health');
      const first = await health.ping();
      const inFlight = rejection(health.never());

      await health.setHealth(mode);
      expect(await fault.waitFor('plugin:degraded', PLUGIN)).toMatchObject({
        detail: expect.any(String),
      });
      const { value: error, ms } = await timed(() => inFlight);
      expect(error).toMatchObject({ code: codes.PLUGIN_UNHEALTHY, plugin: PLUGIN });
      // Three failed checks, each within its 200 ms deadline, 50 ms apart.
      expect(ms).toBeLessThan(3 * (HEALTH.intervalMs + HEALTH.timeoutMs) + 2_000);
      expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
        code: codes.PLUGIN_UNHEALTHY,
      });
      expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });

      // The fresh worker starts healthy.
      expect(await health.ping()).not.toBe(first);
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.state).toBe('running');
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );

  it('recovers without a restart when its checks pass again before the limit', async () => {
    const fault = await start([PLUGIN], { health: { ...HEALTH, failures: 1_000 } });
    const health = fault.host.service<FailsHealth>('health');
    const first = await health.ping();

    await health.setHealth('unhealthy');
    await fault.waitFor('plugin:degraded', PLUGIN);
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.state).toBe('degraded');
    // A degraded plugin still takes calls.
    expect(await health.ping()).toBe(first);

    await health.setHealth('ok');
    await fault.waitFor('plugin:recovered', PLUGIN);
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
      state: 'running',
      restarts: 0,
    });
    expect(await health.ping()).toBe(first);
  });

  it('settles every call made while an unhealthy worker is replaced, none left in flight', async () => {
    const fault = await start([PLUGIN], { health: HEALTH, callTimeoutMs: 5_000 });
    const health = fault.host.service<FailsHealth>('health');
    const first = await health.ping();
    // Callers that never pause: some of their calls reach the worker while it is being
    // ended, and must be rejected, not forgotten.
    let running = true;
    let outstanding = 0;
    const outcomes = new Map<string, number>();
    const lane = async (): Promise<void> => {
      while (running) {
        outstanding += 1;
        try {
          await health.ping();
          outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'untyped';
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        } finally {
          outstanding -= 1;
        }
        // A turn of the event loop between calls, so a call that fails at once cannot
        // starve the timers this test waits on.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const lanes = Array.from({ length: 16 }, lane);
    try {
      await health.setHealth('unhealthy');
      await fault.waitFor('plugin:restarted', PLUGIN);
    } finally {
      running = false;
    }
    // Every lane's last call settles well within its 5 s deadline.
    const settled = await Promise.race([
      Promise.all(lanes).then(() => true),
      new Promise((resolve) => setTimeout(resolve, 3_000, false)),
    ]);
    expect(settled, `${outstanding} calls never settled`).toBe(true);
    expect([...outcomes.keys()].filter((k) => k !== 'ok' && k !== codes.PLUGIN_UNHEALTHY)).toEqual(
      [],
    );
    expect(await health.ping()).not.toBe(first);
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
      state: 'running',
      inFlight: 0,
    });
  });
});
