import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Throws } from '../fixtures/plugins/fault-throws/index.js';
import { rejection, useFaultHosts } from './fault-host.js';

const PLUGIN = 'fault-throws';

describe('a plugin whose method throws', () => {
  const start = useFaultHosts();

  it('rejects with BERTH_ERR_PLUGIN_ERROR carrying the thrown error, and keeps its worker', async () => {
    const fault = await start([PLUGIN]);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();

    const error = await rejection(throws.throwError());
    expect(error).toMatchObject({
      code: codes.PLUGIN_ERROR,
      plugin: PLUGIN,
      service: 'throws',
      method: 'throwError',
    });
    expect((error.cause as Error).name).toBe('TypeError');

    expect(await throws.ping()).toBe(before);
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
      state: 'running',
      restarts: 0,
    });
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('rejects with BERTH_ERR_PLUGIN_ERROR when it throws a value that is not an Error', async () => {
    const fault = await start([PLUGIN]);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();
    for (const value of ['a string', 42, null]) {
      expect(await rejection(throws.throwValue(value))).toMatchObject({
        code: codes.PLUGIN_ERROR,
        method: 'throwValue',
      });
    }
    expect(await throws.ping()).toBe(before);
  });

  it('rejects with BERTH_ERR_PLUGIN_ERROR when the thrown error is its own cause', async () => {
    const fault = await start([PLUGIN]);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();
    expect(await rejection(throws.throwCyclicCause())).toMatchObject({
      code: codes.PLUGIN_ERROR,
      method: 'throwCyclicCause',
    });
    expect(await throws.ping()).toBe(before);
  });
});
