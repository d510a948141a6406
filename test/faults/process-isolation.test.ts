// Process isolation against the faults a thread host cannot survive: a plugin that sends
// itself a fatal signal, aborts, segfaults or fills memory off the heap ends only its own
// process. The host (this test's process) and its neighbour keep serving, the calls in
// flight reject with the cause, the plugin restarts, and whatever the plugin started
// ends with it.
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import { countLiveProcesses } from '../../src/isolation/process-endpoint.js';
import type { Kills } from '../fixtures/plugins/fault-kills-process/index.js';
import { useFaultHosts, type FaultHost } from './fault-host.js';
import { hasEnded } from './process-probe.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-kills-process';

/** The ways the fixture ends its process, and the signal the host must report. */
const DEATHS = [
  { how: 'SIGKILL to itself', die: (k: Kills) => k.killSelf('SIGKILL'), signal: 'SIGKILL' },
  { how: 'SIGTERM to itself', die: (k: Kills) => k.killSelf('SIGTERM'), signal: 'SIGTERM' },
  { how: 'process.abort()', die: (k: Kills) => k.abort(), signal: 'SIGABRT' },
  { how: 'a segfault', die: (k: Kills) => k.segfault(), signal: 'SIGSEGV' },
] as const;

describe('a process plugin that kills its own process', () => {
  const start = useFaultHosts();

  /** The plugin restarted on a new process, and the thread neighbour still answers. */
  async function expectRecovered(fault: FaultHost, kills: Kills, before: number): Promise<void> {
    expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });
    expect(await kills.pid()).not.toBe(before);
    expect(await fault.echo()).toBe('neighbour unharmed');
    expect(fault.host.plugins().find((p) => p.name === 'echo')).toMatchObject({
      state: 'running',
      restarts: 0,
    });
  }

  it.each(DEATHS)(
    'by $how: the calls in flight reject with BERTH_ERR_PLUGIN_CRASHED naming $signal, and it restarts',
    async ({ die, signal }) => {
      const fault = await start([PLUGIN]);
      const kills = fault.host.service<Kills>('kills');
      const before = await kills.pid();
      const waiting = rejection(kills.sleep(10_000));

      const error = await rejection(die(kills));
      const crashed = { code: codes.PLUGIN_CRASHED, plugin: PLUGIN };
      expect(error).toMatchObject({ ...crashed, data: { exitCode: null, signal } });
      expect(await waiting).toMatchObject(crashed);
      expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
        code: codes.PLUGIN_CRASHED,
      });
      expect(await hasEnded(before)).toBe(true);
      await expectRecovered(fault, kills, before);
    },
  );

  it('by allocating 2 GB off the heap under maxRssMb 256: the host kills it, and the calls reject with BERTH_ERR_PLUGIN_OOM', async () => {
    const fault = await start([PLUGIN]);
    const kills = fault.host.service<Kills>('kills');
    const before = await kills.pid();
    const waiting = rejection(kills.sleep(10_000));

    const error = await rejection(kills.allocateOffHeap(2_048));
    expect(error).toMatchObject({
      code: codes.PLUGIN_OOM,
      plugin: PLUGIN,
      data: { overLimit: expect.stringMatching(/^memory: .*maxRssMb/) as unknown },
    });
    expect(await waiting).toMatchObject({ code: codes.PLUGIN_OOM });
    expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
      code: codes.PLUGIN_OOM,
    });
    await expectRecovered(fault, kills, before);
  });
});

describe('what a process plugin starts', () => {
  const start = useFaultHosts();

  it('ends when the plugin crashes', async () => {
    const fault = await start([PLUGIN]);
    const kills = fault.host.service<Kills>('kills');
    const grandchild = await kills.spawnGrandchild();
    expect(await hasEnded(grandchild, 200)).toBe(false);

    await rejection(kills.killSelf('SIGKILL'));
    expect(await hasEnded(grandchild)).toBe(true);
    await fault.waitFor('plugin:restarted', PLUGIN);
  });

  it('ends when the plugin is stopped', async () => {
    const fault = await start([PLUGIN]);
    const kills = fault.host.service<Kills>('kills');
    const pid = await kills.pid();
    const grandchild = await kills.spawnGrandchild();

    await fault.host.disable(PLUGIN);
    expect(await hasEnded(pid)).toBe(true);
    expect(await hasEnded(grandchild)).toBe(true);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('ends, with the plugin process, when the host closes: no plugin process is left', async () => {
    const live = countLiveProcesses();
    const fault = await start([PLUGIN]);
    const kills = fault.host.service<Kills>('kills');
    const pid = await kills.pid();
    const grandchild = await kills.spawnGrandchild();
    expect(countLiveProcesses()).toBe(live + 1);

    await fault.host.close();
    expect(countLiveProcesses()).toBe(live);
    expect(await hasEnded(pid)).toBe(true);
    expect(await hasEnded(grandchild)).toBe(true);
  });
});

describe('a process plugin that writes garbage on its pipe to the host', () => {
  const start = useFaultHosts();
  // Frames are a u32 length (little-endian) and a kind byte, then the body.
  const garbage: [string, number[]][] = [
    ['a frame of an unknown kind', [0, 0, 0, 0, 9]],
    ['a frame longer than the host reads', [0xff, 0xff, 0xff, 0xff, 2]],
    ['a control frame that does not decode', [1, 0, 0, 0, 1, 0xc1]],
  ];

  it.each(garbage)(
    'is replaced when it writes %s: the calls in flight reject with BERTH_ERR_PROTOCOL',
    async (_what, bytes) => {
      const fault = await start([PLUGIN]);
      const kills = fault.host.service<Kills>('kills');
      const before = await kills.pid();
      const waiting = rejection(kills.sleep(10_000));
      await kills.writePipe(bytes).catch(() => 'rejected');

      expect(await waiting).toMatchObject({ code: codes.PROTOCOL, plugin: PLUGIN });
      expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
        code: codes.PROTOCOL,
      });
      expect(await hasEnded(before)).toBe(true);
      await fault.waitFor('plugin:restarted', PLUGIN);
      expect(await kills.pid()).not.toBe(before);
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );
});
