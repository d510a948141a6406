import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Overflows } from '../fixtures/plugins/fault-overflows-stack/index.js';
import { FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-overflows-stack';

describe.each(FAULT_ISOLATIONS)('a plugin that overflows its stack (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it('inside a call: the RangeError rejects the call with BERTH_ERR_PLUGIN_ERROR and the worker survives', async () => {
    const fault = await start([PLUGIN]);
    const overflows = fault.host.service<Overflows>('overflows');
    const before = await overflows.ping();

    const error = await rejection(overflows.recurse());
    expect(error).toMatchObject({ code: codes.PLUGIN_ERROR, plugin: PLUGIN, method: 'recurse' });
    expect((error.cause as Error).name).toBe('RangeError');

    expect(await overflows.ping()).toBe(before);
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('in a timer: the worker crashes, the call in flight rejects with BERTH_ERR_PLUGIN_CRASHED and a fresh worker serves the next', async () => {
    const fault = await start([PLUGIN]);
    const overflows = fault.host.service<Overflows>('overflows');
    const first = await overflows.ping();

    expect(await rejection(overflows.recurseInTimer())).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      plugin: PLUGIN,
    });
    const crashed = await fault.waitFor('plugin:crashed', PLUGIN);
    expect(crashed).toMatchObject({ code: codes.PLUGIN_CRASHED });
    expect(((crashed['error'] as Error).cause as Error).name).toBe('RangeError');
    await fault.waitFor('plugin:restarted', PLUGIN);

    expect(await overflows.ping()).not.toBe(first);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});
