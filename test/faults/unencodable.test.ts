import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Unencodable } from '../fixtures/plugins/fault-unencodable/index.js';
import { FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-unencodable';

describe.each(FAULT_ISOLATIONS)(
  'a plugin whose method returns what the wire cannot carry (%s)',
  (isolation) => {
    const start = useFaultHosts(inIsolation(isolation));

    it.each(['returnSymbol', 'returnCycle'] as const)(
      '%s: rejects with BERTH_ERR_UNENCODABLE and the same worker serves the next call',
      async (method) => {
        const fault = await start([PLUGIN]);
        const unencodable = fault.host.service<Unencodable>('unencodable');
        const before = await unencodable.ping();

        expect(await rejection(unencodable[method]())).toMatchObject({
          code: codes.UNENCODABLE,
          plugin: PLUGIN,
          service: 'unencodable',
          method,
        });

        expect(await unencodable.ping()).toBe(before);
        // The encoder is not left in a broken state by the failed attempt.
        const large = await unencodable.returnLarge();
        expect(large).toHaveLength(1_000);
        expect(large[999]).toBe('row 999');
        expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
        expect(await fault.echo()).toBe('neighbour unharmed');
      },
    );
  },
);
