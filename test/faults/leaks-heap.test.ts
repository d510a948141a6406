import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Leaks } from '../fixtures/plugins/fault-leaks-heap/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-leaks-heap';

describe.each(FAULT_ISOLATIONS)(
  'a plugin that leaks heap up to its resourceLimits (%s)',
  (isolation) => {
    const start = useFaultHosts(inIsolation(isolation));

    it('runs out of memory: the call rejects with BERTH_ERR_PLUGIN_OOM and a fresh worker serves the next', async () => {
      const fault = await start([PLUGIN]);
      const leaks = fault.host.service<Leaks>('leaks');
      const first = await leaks.ping();

      const { value: error, ms } = await timed(() => rejection(leaks.leak()));
      expect(error).toMatchObject({ code: codes.PLUGIN_OOM, plugin: PLUGIN });
      // 32 MB of old generation (plugin.json) fills in well under this.
      expect(ms).toBeLessThan(4_000);
      expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
        code: codes.PLUGIN_OOM,
      });
      expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });

      expect(await leaks.ping()).not.toBe(first);
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.lastError?.code).toBe(
        codes.PLUGIN_OOM,
      );
      expect(await fault.echo()).toBe('neighbour unharmed');
    });
  },
);
