import { describe, expect, it } from 'vitest';
import type { HangsOnStop } from '../fixtures/plugins/fault-hangs-on-stop/index.js';
import {
  timed,
  FAULT_ISOLATIONS,
  inIsolation,
  liveWorkerCount,
  useFaultHosts,
} from './fault-host.js';

const PLUGIN = 'fault-hangs-on-stop';
const STOP_TIMEOUT_MS = 300;

describe.each(FAULT_ISOLATIONS)('a plugin whose onStop never resolves (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));
  const countLiveWorkers = liveWorkerCount(isolation);

  it('does not hold up host.close() past about stopTimeoutMs, and leaves no live worker', async () => {
    const before = countLiveWorkers();
    const fault = await start([PLUGIN], { stopTimeoutMs: STOP_TIMEOUT_MS });
    expect(countLiveWorkers()).toBe(before + 2);
    await fault.host.service<HangsOnStop>('hangs-on-stop').ping();

    const { ms } = await timed(() => fault.host.close());
    expect(ms).toBeLessThan(STOP_TIMEOUT_MS + 2_000);
    expect(countLiveWorkers()).toBe(before);
    expect(fault.host.plugins().map((p) => [p.name, p.state])).toEqual([
      ['echo', 'stopped'],
      [PLUGIN, 'stopped'],
    ]);
    expect(await fault.waitFor('plugin:stopped', PLUGIN)).toMatchObject({ plugin: PLUGIN });
  });

  it('still comes back on a fresh worker after an operator restart', async () => {
    const before = countLiveWorkers();
    const fault = await start([PLUGIN], { stopTimeoutMs: STOP_TIMEOUT_MS });
    const hangs = fault.host.service<HangsOnStop>('hangs-on-stop');
    const first = await hangs.ping();

    const { ms } = await timed(() => fault.host.restart(PLUGIN));
    expect(ms).toBeLessThan(STOP_TIMEOUT_MS + 2_000);
    expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });
    expect(await hangs.ping()).not.toBe(first);
    expect(countLiveWorkers()).toBe(before + 2);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});
