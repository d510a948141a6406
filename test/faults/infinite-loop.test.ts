import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Spins } from '../fixtures/plugins/fault-infinite-loop/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-infinite-loop';
const HANG_TIMEOUT_MS = 500;

describe.each(FAULT_ISOLATIONS)('a plugin whose method loops forever (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it('is found hung by its heartbeat: the call rejects with BERTH_ERR_PLUGIN_HUNG and a fresh worker serves the next', async () => {
    const fault = await start([PLUGIN], { hangTimeoutMs: HANG_TIMEOUT_MS });
    const spins = fault.host.service<Spins>('spins');
    const first = await spins.ping();

    const { value: error, ms } = await timed(() => rejection(spins.spin()));
    expect(error).toMatchObject({
      code: codes.PLUGIN_HUNG,
      plugin: PLUGIN,
      data: { hangTimeoutMs: HANG_TIMEOUT_MS },
    });
    expect(ms).toBeLessThan(HANG_TIMEOUT_MS + 2_000);
    expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
      code: codes.PLUGIN_HUNG,
    });
    expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });

    expect(await spins.ping()).not.toBe(first);
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.lastError?.code).toBe(
      codes.PLUGIN_HUNG,
    );
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('serves its neighbour while it spins', async () => {
    const fault = await start([PLUGIN], { hangTimeoutMs: HANG_TIMEOUT_MS });
    const spinning = rejection(fault.host.service<Spins>('spins').spin());
    expect(await fault.echo()).toBe('neighbour unharmed');
    expect(await spinning).toMatchObject({ code: codes.PLUGIN_HUNG });
  });
});
