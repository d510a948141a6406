// Thread isolation only: this fixture posts on parentPort and writes the shared-memory
// rings of the thread data plane, neither of which a plugin process has. Its process
// counterpart, garbage written on the pipe to the host, is in process-isolation.test.ts.
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { HostileWire, Target } from '../fixtures/plugins/fault-hostile-wire/index.js';
import { useFaultHosts, type FaultHost } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-hostile-wire';

/**
 * After the plugin broke the protocol: the call that was in flight rejected with
 * BERTH_ERR_PROTOCOL, the supervisor saw a crash with that code and restarted the plugin
 * on a fresh worker, and the neighbour never noticed.
 */
async function expectReplaced(
  fault: FaultHost,
  inFlight: Promise<unknown>,
  before: number,
): Promise<void> {
  expect(await rejection(inFlight)).toMatchObject({ code: codes.PROTOCOL, plugin: PLUGIN });
  expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({ code: codes.PROTOCOL });
  await fault.waitFor('plugin:restarted', PLUGIN);
  const hostile = fault.host.service<HostileWire>('hostile');
  expect(await hostile.ping()).not.toBe(before);
  expect(await fault.echo()).toBe('neighbour unharmed');
}

describe('a plugin that breaks the control protocol', () => {
  const start = useFaultHosts();

  const messages: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['a log line that is JSON null', { type: 'LOG', line: 'null' }],
    ['a log line that is not a string', { type: 'LOG', line: { level: 30 } }],
    ['an unknown type', { type: 'NOPE' }],
    ['a second READY', { type: 'READY', protocol: 3 }],
    ['an answer to no request', { type: 'CONTROL_RESULT', id: 999, ok: true, value: 1 }],
  ];
  for (const [what, message] of messages) {
    it(`is replaced when it posts ${what}, and the host lives on`, async () => {
      const fault = await start([PLUGIN]);
      const hostile = fault.host.service<HostileWire>('hostile');
      const before = await hostile.ping();
      const inFlight = hostile.slow(10_000);
      await hostile.post(message).catch(() => 'rejected');
      await expectReplaced(fault, inFlight, before);
    });
  }
});

describe('a plugin that forges records in its result ring', () => {
  const start = useFaultHosts();
  const targets: Target[] = ['record', 'bytes', 'arena', 'port'];
  for (const target of targets) {
    it(`settles every call and keeps the host up when it forges a ${target} record`, async () => {
      const fault = await start([PLUGIN]);
      const hostile = fault.host.service<HostileWire>('hostile');
      for (let seed = 1; seed <= 5; seed += 1) {
        const inFlight = hostile.slow(300).catch((error: { code?: string }) => error.code);
        const forged = hostile.forge(seed, target).catch((error: { code?: string }) => error.code);
        const outcomes = await Promise.all([inFlight, forged]);
        for (const outcome of outcomes) {
          expect(
            typeof outcome === 'number' || outcome === 'sent' || typeof outcome === 'string',
          ).toBe(true);
        }
        await fault.host
          .service<HostileWire>('hostile', { timeoutMs: 5_000 })
          .ping()
          .catch(() => {});
      }
      expect(await fault.echo()).toBe('neighbour unharmed');
    });
  }
});
