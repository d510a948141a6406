import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Uncaught } from '../fixtures/plugins/fault-uncaught-timer/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-uncaught-timer';

describe.each(FAULT_ISOLATIONS)('a plugin that throws outside any call (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it('crashes on a throw from a timer: the call in flight rejects with BERTH_ERR_PLUGIN_CRASHED and a fresh worker serves the next', async () => {
    const fault = await start([PLUGIN]);
    const uncaught = fault.host.service<Uncaught>('uncaught');
    const first = await uncaught.ping();

    const { value: error, ms } = await timed(() => rejection(uncaught.throwInTimer()));
    expect(error).toMatchObject({ code: codes.PLUGIN_CRASHED, plugin: PLUGIN });
    expect(ms).toBeLessThan(2_000);
    const crashed = await fault.waitFor('plugin:crashed', PLUGIN);
    expect(crashed).toMatchObject({ code: codes.PLUGIN_CRASHED });
    // The uncaught error is kept as the cause, for the log and for lastError.
    expect(((crashed['error'] as Error).cause as Error).message).toBeTypeOf('string');
    expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });

    expect(await uncaught.ping()).not.toBe(first);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('crashes on an unhandled rejection the same way', async () => {
    const fault = await start([PLUGIN]);
    const uncaught = fault.host.service<Uncaught>('uncaught');
    const first = await uncaught.ping();

    expect(await rejection(uncaught.rejectUnhandled())).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      plugin: PLUGIN,
    });
    expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
      code: codes.PLUGIN_CRASHED,
    });
    await fault.waitFor('plugin:restarted', PLUGIN);
    expect(await uncaught.ping()).not.toBe(first);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});
