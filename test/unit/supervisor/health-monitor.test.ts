import { describe, expect, it, vi } from 'vitest';
import { codes, type BerthError } from '../../../src/errors.js';
import type { PluginRuntime } from '../../../src/isolation/runtime.js';
import {
  HealthMonitor,
  type HealthMonitorOptions,
} from '../../../src/supervisor/health-monitor.js';
import type { HealthReport } from '../../../src/sdk/context.js';

/** A runtime that only answers health checks, with the reports given, in turn. */
function fakeRuntime(...reports: (HealthReport | Error)[]): PluginRuntime & { killed: unknown[] } {
  const killed: unknown[] = [];
  return {
    isolation: 'inline',
    killed,
    inFlight: 0,
    start: () => Promise.resolve({}),
    call: () => Promise.resolve(undefined),
    health: () => {
      const next = reports.shift() ?? { ok: true };
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    configure: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    kill: (reason: BerthError) => {
      killed.push(reason);
      return Promise.resolve();
    },
  };
}

function monitor(
  runtime: PluginRuntime | undefined,
  overrides: Partial<HealthMonitorOptions> = {},
) {
  const seen: string[] = [];
  const health = new HealthMonitor({
    plugin: 'p',
    policy: { intervalMs: 0, timeoutMs: 1_000, failures: 2 },
    runtime: () => runtime,
    isUp: () => true,
    isClosing: () => false,
    onPassed: () => seen.push('passed'),
    onFailed: (detail) => seen.push(`failed: ${detail}`),
    onUnhealthy: (_runtime, error) => seen.push(`unhealthy: ${error.code}`),
    ...overrides,
  });
  return { health, seen };
}

describe('the health monitor', () => {
  it('replaces the runtime after `failures` failed checks in a row, detaching it before the kill', async () => {
    const runtime = fakeRuntime({ ok: false, detail: 'db' }, new Error('boom'));
    const { health, seen } = monitor(runtime);
    await health.check();
    expect(seen).toEqual(['failed: db']);
    expect(runtime.killed).toEqual([]);
    await health.check();
    expect(seen).toEqual(['failed: db', 'failed: boom', `unhealthy: ${codes.PLUGIN_UNHEALTHY}`]);
    expect(runtime.killed).toMatchObject([{ code: codes.PLUGIN_UNHEALTHY }]);
  });

  it('counts only failures in a row: a passed check starts the count again', async () => {
    const runtime = fakeRuntime({ ok: false }, { ok: true }, { ok: false });
    const { health, seen } = monitor(runtime);
    for (let i = 0; i < 3; i += 1) await health.check();
    expect(seen).toEqual(['failed: undefined', 'passed', 'failed: undefined']);
    expect(runtime.killed).toEqual([]);
  });

  it('records readiness from a passed check without counting it as a failure', async () => {
    vi.useFakeTimers();
    try {
      const runtime = fakeRuntime({ ok: true, ready: false }, { ok: true });
      const { health, seen } = monitor(runtime);
      await health.check();
      expect(health.ready).toBe(false);
      expect(seen).toEqual(['passed']);
      await vi.advanceTimersByTimeAsync(1_000); // the re-check while not ready
      expect(health.ready).toBe(true);
      expect(seen).toEqual(['passed', 'passed']);
      health.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('checks nothing while the plugin is not up, and ignores a check whose runtime was replaced', async () => {
    const runtime = fakeRuntime({ ok: false });
    const down = monitor(runtime, { isUp: () => false });
    await down.health.check();
    expect(down.seen).toEqual([]);
    let current: PluginRuntime | undefined = runtime;
    const replaced = monitor(undefined, { runtime: () => current });
    const check = replaced.health.check();
    current = undefined;
    await check;
    expect(replaced.seen).toEqual([]);
  });
});
