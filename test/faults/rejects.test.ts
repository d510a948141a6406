import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Rejects } from '../fixtures/plugins/fault-rejects/index.js';
import { FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-rejects';

describe.each(FAULT_ISOLATIONS)(
  'a plugin whose method returns a rejected promise (%s)',
  (isolation) => {
    const start = useFaultHosts(inIsolation(isolation));

    it('rejects with BERTH_ERR_PLUGIN_ERROR carrying the rejection, and keeps its worker', async () => {
      const fault = await start([PLUGIN]);
      const rejects = fault.host.service<Rejects>('rejects');
      const before = await rejects.ping();

      const error = await rejection(rejects.rejectError());
      expect(error).toMatchObject({
        code: codes.PLUGIN_ERROR,
        plugin: PLUGIN,
        service: 'rejects',
        method: 'rejectError',
      });
      expect((error.cause as Error).name).toBe('RangeError');

      expect(await rejects.ping()).toBe(before);
      expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
      expect(await fault.echo()).toBe('neighbour unharmed');
    });

    it('rejects with BERTH_ERR_PLUGIN_ERROR when the promise rejects with undefined', async () => {
      const fault = await start([PLUGIN]);
      const rejects = fault.host.service<Rejects>('rejects');
      const before = await rejects.ping();
      expect(await rejection(rejects.rejectNothing())).toMatchObject({
        code: codes.PLUGIN_ERROR,
        method: 'rejectNothing',
      });
      expect(await rejects.ping()).toBe(before);
    });
  },
);
