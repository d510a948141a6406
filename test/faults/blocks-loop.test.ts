import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Blocks } from '../fixtures/plugins/fault-blocks-loop/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-blocks-loop';
const HANG_TIMEOUT_MS = 500;
const BLOCK_MS = 10_000;

describe.each(FAULT_ISOLATIONS)('a plugin that blocks its event loop (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it.each(['busyWait', 'atomicsWait'] as const)(
    'is found hung during a 10 s %s: the call rejects with BERTH_ERR_PLUGIN_HUNG long before, and a fresh worker serves the next',
    async (method) => {
      const fault = await start([PLUGIN], { hangTimeoutMs: HANG_TIMEOUT_MS });
      const blocks = fault.host.service<Blocks>('blocks');
      const first = await blocks.ping();

      const { value: error, ms } = await timed(() => rejection(blocks[method](BLOCK_MS)));
      expect(error).toMatchObject({ code: codes.PLUGIN_HUNG, plugin: PLUGIN });
      expect(ms).toBeLessThan(HANG_TIMEOUT_MS + 2_000);
      expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
        code: codes.PLUGIN_HUNG,
      });
      expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });

      expect(await blocks.ping()).not.toBe(first);
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );

  it('is not found hung when it blocks for less than hangTimeoutMs', async () => {
    const fault = await start([PLUGIN], { hangTimeoutMs: HANG_TIMEOUT_MS });
    const blocks = fault.host.service<Blocks>('blocks');
    const first = await blocks.ping();
    expect(await blocks.busyWait(HANG_TIMEOUT_MS / 5)).toBe('done');
    expect(await blocks.ping()).toBe(first);
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
  });
});
