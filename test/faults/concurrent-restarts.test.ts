// Operator restarts that overlap (ten `POST /v1/plugins/{name}/restart` at once) while
// calls keep coming: they must coalesce and strand no call. They used to: each restart
// swapped the gate that calls wait on during a restart, so the calls waiting on the gate
// it replaced were never let through and failed at their deadline with CALL_TIMEOUT,
// while the plugin said `running`; and each restart started a worker of its own.
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Echo } from '../fixtures/plugins/echo/index.js';
import type { Exits } from '../fixtures/plugins/fault-exits/index.js';
import { FAULT_ISOLATIONS, inIsolation, liveWorkerCount, useFaultHosts } from './fault-host.js';

/** Far above what a restart takes, far below the test's timeout: a stranded call shows. */
const CALL_TIMEOUT_MS = 8_000;

describe.each(FAULT_ISOLATIONS)('concurrent operator restarts (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));
  const countLiveWorkers = liveWorkerCount(isolation);

  it('coalesce, and every call made around them settles with its answer before its deadline', async () => {
    const fault = await start([], { callTimeoutMs: CALL_TIMEOUT_MS });
    const echo = fault.host.service<Echo>('echo');
    const workersBefore = countLiveWorkers();
    let restarting = true;
    const outcomes: { ok: boolean; code?: unknown; ms: number }[] = [];
    // Four callers, each making calls back to back until the restarts are over.
    const load = Array.from({ length: 4 }, async (_, caller) => {
      for (let n = 0; restarting || n < 3; n += 1) {
        const started = Date.now();
        try {
          expect(await echo.echo(`${caller}:${n}`)).toBe(`${caller}:${n}`);
          outcomes.push({ ok: true, ms: Date.now() - started });
        } catch (error) {
          outcomes.push({ ok: false, code: (error as { code?: unknown }).code, ms: 0 });
        }
        // A macrotask between calls: calls that fail at once must not starve the restarts.
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    // The load runs before the restarts begin, so some calls are in flight when they do.
    await expect.poll(() => outcomes.length).toBeGreaterThan(40);
    const restarts = await Promise.allSettled(
      Array.from({ length: 10 }, () => fault.host.restart('echo')),
    );
    restarting = false;
    await Promise.all(load);

    expect(restarts.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(CALL_TIMEOUT_MS);
    // The ten requests joined one restart: one worker replaced, none left behind.
    expect(fault.events.filter((e) => e.event === 'plugin:restarted')).toHaveLength(1);
    expect(countLiveWorkers()).toBe(workersBefore);
    const echoInfo = fault.host.plugins().find((p) => p.name === 'echo');
    expect(echoInfo).toMatchObject({ state: 'running', restarts: 1 });
    expect(await echo.echo('after')).toBe('after');
  });

  it('made one after another still restart each time', async () => {
    const fault = await start([], { callTimeoutMs: CALL_TIMEOUT_MS });
    await fault.host.restart('echo');
    await fault.host.restart('echo');
    expect(fault.events.filter((e) => e.event === 'plugin:restarted')).toHaveLength(2);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('supersede a crash restart in progress without stranding its waiting calls', async () => {
    const fault = await start(['fault-exits'], {
      callTimeoutMs: CALL_TIMEOUT_MS,
      restart: { initialDelayMs: 200, jitter: 0 },
    });
    const exits = fault.host.service<Exits>('exits');
    await exits.exit(1).catch((error: unknown) => {
      expect(error).toMatchObject({ code: codes.PLUGIN_CRASHED });
    });
    await fault.waitFor('plugin:backoff', 'fault-exits');
    // Calls made during the backoff wait on its gate; the restarts replace that start.
    const waiting = Array.from({ length: 5 }, () => exits.write(1));
    await Promise.all(Array.from({ length: 3 }, () => fault.host.restart('fault-exits')));
    const settled = await Promise.allSettled(waiting);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    expect(fault.host.plugins().find((p) => p.name === 'fault-exits')?.state).toBe('running');
  });
});
