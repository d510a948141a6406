import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { NeverStarts } from '../fixtures/plugins/fault-never-starts/index.js';
import {
  timed,
  FAULT_ISOLATIONS,
  inIsolation,
  liveWorkerCount,
  useFaultHosts,
} from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-never-starts';
// Long enough for the neighbour to start on a loaded machine: the limit applies to both.
const START_TIMEOUT_MS = 1_500;

describe.each(FAULT_ISOLATIONS)('a plugin whose onStart never resolves (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));
  const countLiveWorkers = liveWorkerCount(isolation);

  it('ends failed with BERTH_ERR_START_FAILED after startTimeoutMs while host.start() resolves and its neighbour runs', async () => {
    const before = countLiveWorkers();
    const { value: fault, ms } = await timed(() =>
      start([PLUGIN], { startTimeoutMs: START_TIMEOUT_MS }),
    );
    expect(ms).toBeLessThan(START_TIMEOUT_MS + 2_000);

    expect(await fault.waitFor('plugin:failed', PLUGIN)).toMatchObject({
      error: { code: codes.START_FAILED },
    });
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
      state: 'failed',
      lastError: { code: codes.START_FAILED },
    });
    // Its worker was terminated: only the neighbour's runs.
    expect(countLiveWorkers()).toBe(before + 1);
    expect(await fault.echo()).toBe('neighbour unharmed');

    const { value: refused, ms: refusedMs } = await timed(() =>
      rejection(fault.host.service<NeverStarts>('never-starts').ping()),
    );
    expect(refused).toMatchObject({ code: codes.PLUGIN_FAILED, plugin: PLUGIN });
    expect(refusedMs).toBeLessThan(500);
  });
});
