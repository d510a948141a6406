// Drop-in plugins and zero-downtime upgrades through a real host: real worker threads, a
// temp plugins directory the host watches, real folder copies and renames while calls
// flow, and the real state file.
import { cp, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { codes, createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import { countLiveProcesses } from '../../src/isolation/process-endpoint.js';
import { countLiveWorkers } from '../../src/isolation/thread-runtime.js';
import { createTempDirs } from '../fixtures/discovery/plugin-folders.js';
import type { Versioned } from '../fixtures/plugins/versioned/index.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/plugins/versioned/', import.meta.url));
const CALLERS = 16;
/** Generous: the watcher reacts in well under a second, but CI machines are shared. */
const SOON = { timeout: 15_000, interval: 25 };

const temp = createTempDirs();
const hosts: PluginHost[] = [];
const streams: { stop(): Promise<void> }[] = [];
let work: string;
let pluginsDir: string;
let dataDir: string;

beforeEach(async () => {
  work = await temp.make();
  pluginsDir = join(work, 'plugins');
  dataDir = join(work, 'data');
  await mkdir(pluginsDir);
  // The copies import `berth/sdk` like any plugin installed beside Berth.
  await mkdir(join(work, 'node_modules'));
  await symlink(repoRoot, join(work, 'node_modules', 'berth'), 'dir');
});

afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.stop()));
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  await temp.removeAll();
  expect(countLiveWorkers()).toBe(0);
});

async function startHost(options: HostOptions = {}): Promise<PluginHost> {
  const host = createHost({
    plugins: [pluginsDir],
    dataDir,
    isolation: 'thread',
    watch: true,
    npmRoots: [],
    logger: pino({ level: 'silent' }),
    ...options,
  });
  hosts.push(host);
  await host.start();
  return host;
}

interface PluginCopy {
  version: string;
  /** The plugin's name; default the fixture's, `versioned`. */
  name?: string;
  /** Replaces the fixture's code, e.g. with a module that throws when imported. */
  code?: string;
}

/** Writes a copy of the versioned fixture into `dir`. */
async function writeCopy(dir: string, { version, name, code }: PluginCopy): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (code === undefined) await cp(join(fixture, 'index.js'), join(dir, 'index.js'));
  else await writeFile(join(dir, 'index.js'), code);
  const manifest = JSON.parse(await readFile(join(fixture, 'plugin.json'), 'utf8')) as object;
  await writeFile(
    join(dir, 'plugin.json'),
    JSON.stringify({ ...manifest, version, ...(name === undefined ? {} : { name }) }),
  );
}

let replaced = 0;
/**
 * Drops a plugin into the plugins directory the safe way: written into a hidden folder
 * (which discovery skips), then renamed into place; a folder already there is first
 * renamed out of the way.
 */
async function dropIn(folder: string, copy: PluginCopy): Promise<string> {
  const staged = join(pluginsDir, `.${folder}.new`);
  await writeCopy(staged, copy);
  const target = join(pluginsDir, folder);
  await rename(target, join(pluginsDir, `.${folder}.old-${(replaced += 1)}`)).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    },
  );
  await rename(staged, target);
  return target;
}

/** Callers looping on one proxy until stopped; every answer and every failure is kept. */
function steadyCalls(host: PluginHost): {
  served: Map<string, number>;
  failures: unknown[];
  stop(): Promise<void>;
} {
  const proxy = host.service<Versioned>('versioned');
  const served = new Map<string, number>();
  const failures: unknown[] = [];
  let running = true;
  const callers = Array.from({ length: CALLERS }, async () => {
    while (running) {
      try {
        const version = await proxy.whoami();
        served.set(version, (served.get(version) ?? 0) + 1);
      } catch (error) {
        failures.push(error);
      }
    }
  });
  const stream = {
    served,
    failures,
    async stop() {
      running = false;
      await Promise.all(callers);
    },
  };
  streams.push(stream);
  return stream;
}

async function servedMore(
  calls: ReturnType<typeof steadyCalls>,
  version: string,
  more = 50,
): Promise<void> {
  const before = calls.served.get(version) ?? 0;
  await vi.waitFor(
    () => expect(calls.served.get(version) ?? 0).toBeGreaterThan(before + more),
    SOON,
  );
}

/** Events of the host, as `event plugin@version` lines. */
function recordEvents(host: PluginHost, names: string[]): string[] {
  const seen: string[] = [];
  for (const name of names) {
    host.on(name, (payload: { plugin: string; version?: string; to?: string }) =>
      seen.push(`${name} ${payload.plugin}@${payload.to ?? payload.version ?? '?'}`),
    );
  }
  return seen;
}

const info = (host: PluginHost, name = 'versioned') => host.plugins().find((p) => p.name === name);

async function stateOf(name: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(join(dataDir, 'berth-state.json'), 'utf8').catch(() => '{}');
  const state = JSON.parse(text) as { plugins?: Record<string, Record<string, unknown>> };
  return state.plugins?.[name];
}

describe('a host watching its plugins directory', () => {
  it('installs and runs a plugin folder dropped in while it runs; a proxy made before it finds it', async () => {
    const host = await startHost();
    const events = recordEvents(host, ['plugin:installed']);
    const proxy = host.service<Versioned>('versioned');
    await expect(proxy.whoami()).rejects.toMatchObject({ code: codes.SERVICE_NOT_FOUND });

    const dir = await dropIn('versioned', { version: '1.0.0' });
    await vi.waitFor(() => expect(info(host)).toMatchObject({ state: 'running' }), SOON);
    expect(info(host)).toMatchObject({ version: '1.0.0', dir, enabled: true });
    expect(await proxy.whoami()).toBe('1.0.0');
    expect(events).toEqual(['plugin:installed versioned@1.0.0']);
    expect(host.problems()).toEqual([]);
  });

  it('reports broken drop-ins in problems() and keeps every call answering', async () => {
    await writeCopy(join(pluginsDir, 'versioned'), { version: '1.0.0' });
    const host = await startHost();
    const calls = steadyCalls(host);
    await servedMore(calls, '1.0.0');

    const unreadable = join(pluginsDir, 'unreadable');
    await mkdir(unreadable);
    await writeFile(join(unreadable, 'plugin.json'), '{ "name": "unreadable", ');
    const throwing = await dropIn('throws-on-import', {
      version: '1.0.0',
      name: 'throws-on-import',
      code: "throw new Error('broken on purpose');\n",
    });
    await vi.waitFor(
      () =>
        expect(host.problems().map((p) => [p.dir, p.error.code])).toEqual(
          expect.arrayContaining([
            [unreadable, codes.MANIFEST_PARSE],
            [throwing, codes.PLUGIN_LOAD],
          ]),
        ),
      SOON,
    );
    expect(host.problems()).toHaveLength(2);
    // Neither is listed; the plugin that ran before runs and answers as before.
    expect(host.plugins().map((p) => p.name)).toEqual(['versioned']);
    await servedMore(calls, '1.0.0');
    await calls.stop();
    expect(calls.failures).toEqual([]);
    expect([...calls.served.keys()]).toEqual(['1.0.0']);
    expect(countLiveWorkers()).toBe(1);
  });

  it.each(['thread', 'process'] as const)(
    'upgrades a running plugin (%s) under 16 looping callers without one failed call',
    async (isolation) => {
      const live = isolation === 'thread' ? countLiveWorkers : countLiveProcesses;
      const before = live();
      await writeCopy(join(pluginsDir, 'versioned'), { version: '1.0.0' });
      const host = await startHost({ isolation });
      expect(info(host)).toMatchObject({ isolation });
      const events = recordEvents(host, ['plugin:upgraded', 'plugin:upgrade-failed']);
      const calls = steadyCalls(host);
      await servedMore(calls, '1.0.0');

      await dropIn('versioned', { version: '2.0.0' });
      await vi.waitFor(() => expect(events).toEqual(['plugin:upgraded versioned@2.0.0']), SOON);
      await servedMore(calls, '2.0.0');
      await calls.stop();
      expect(calls.failures).toEqual([]);
      expect(calls.served.get('1.0.0')).toBeGreaterThan(0);

      expect(info(host)).toMatchObject({ version: '2.0.0', versions: ['2.0.0'], state: 'running' });
      expect(await host.service<Versioned>('versioned').whoami()).toBe('2.0.0');
      expect(await stateOf('versioned')).toMatchObject({ active: '2.0.0' });
      // The old version's worker (or process) was drained and stopped.
      await vi.waitFor(() => expect(live()).toBe(before + 1), SOON);
    },
  );

  it('keeps the old version serving when the new one fails to start, and takes a fixed one later', async () => {
    await writeCopy(join(pluginsDir, 'versioned'), { version: '1.0.0' });
    const host = await startHost();
    const events = recordEvents(host, ['plugin:upgraded', 'plugin:upgrade-failed']);
    const calls = steadyCalls(host);
    await servedMore(calls, '1.0.0');

    const dir = await dropIn('versioned', {
      version: '2.0.0',
      code: "throw new Error('2.0.0 is broken');\n",
    });
    await vi.waitFor(() => expect(events).toEqual(['plugin:upgrade-failed versioned@2.0.0']), SOON);
    expect(host.problems()).toMatchObject([
      { dir, error: { code: codes.UPGRADE_FAILED, plugin: 'versioned' } },
    ]);
    await servedMore(calls, '1.0.0');
    expect(info(host)).toMatchObject({ version: '1.0.0', state: 'running' });
    expect(await stateOf('versioned')).toBeUndefined();
    await vi.waitFor(() => expect(countLiveWorkers()).toBe(1), SOON);

    // A fixed version, dropped in the same way, is taken; the problem goes with it.
    await dropIn('versioned', { version: '2.0.1' });
    await vi.waitFor(() => expect(events.at(-1)).toBe('plugin:upgraded versioned@2.0.1'), SOON);
    await servedMore(calls, '2.0.1');
    await calls.stop();
    expect(calls.failures).toEqual([]);
    expect([...calls.served.keys()].sort()).toEqual(['1.0.0', '2.0.1']);
    expect(host.problems()).toEqual([]);
  });

  it('upgrades to a newer version dropped into a folder of its own, and forgets the old folder once removed', async () => {
    await writeCopy(join(pluginsDir, 'versioned'), { version: '1.0.0' });
    const host = await startHost();
    const events = recordEvents(host, ['plugin:upgraded', 'plugin:upgrade-failed']);
    const calls = steadyCalls(host);
    await servedMore(calls, '1.0.0');

    // Two folders, two versions of one plugin: not a duplicate, the newer one takes over.
    const newer = await dropIn('versioned-2', { version: '2.0.0' });
    await vi.waitFor(() => expect(events).toEqual(['plugin:upgraded versioned@2.0.0']), SOON);
    await servedMore(calls, '2.0.0');
    expect(info(host)).toMatchObject({
      version: '2.0.0',
      dir: newer,
      versions: ['1.0.0', '2.0.0'],
    });
    expect(host.problems()).toEqual([]);

    await rename(join(pluginsDir, 'versioned'), join(pluginsDir, '.versioned.gone'));
    await vi.waitFor(() => expect(info(host)?.versions).toEqual(['2.0.0']), SOON);
    await servedMore(calls, '2.0.0');
    await calls.stop();
    expect(calls.failures).toEqual([]);
    await host.close();

    // The next start runs the version that was active.
    await rename(join(pluginsDir, '.versioned.gone'), join(pluginsDir, 'versioned'));
    const next = await startHost();
    expect(info(next)).toMatchObject({ version: '2.0.0', versions: ['1.0.0', '2.0.0'] });
    expect(await next.service<Versioned>('versioned').whoami()).toBe('2.0.0');
  });

  it('lists a drop-in disabled when autoEnable is off, for an operator to enable', async () => {
    const host = await startHost({ autoEnable: false });
    await dropIn('versioned', { version: '1.0.0' });
    await vi.waitFor(() => expect(info(host)).toMatchObject({ enabled: false }), SOON);
    expect(info(host)?.state).toBe('installed');
    expect(countLiveWorkers()).toBe(0);
    await expect(host.service<Versioned>('versioned').whoami()).rejects.toMatchObject({
      code: codes.PLUGIN_NOT_RUNNING,
    });
    await host.enable('versioned');
    expect(await host.service<Versioned>('versioned').whoami()).toBe('1.0.0');
  });

  it('starts a drop-in that its `enable` list leaves out, and the next start keeps it', async () => {
    await writeCopy(join(pluginsDir, 'versioned'), { version: '1.0.0' });
    const options = { enable: ['versioned'] };
    const first = await startHost(options);
    await dropIn('other', { version: '1.0.0', name: 'other' });
    await vi.waitFor(() => expect(info(first, 'other')).toMatchObject({ state: 'running' }), SOON);
    expect(await stateOf('other')).toMatchObject({ enabled: true });
    await first.close();

    const second = await startHost(options);
    expect(info(second, 'other')).toMatchObject({ state: 'running', enabled: true });
    expect(await second.service<Versioned>('other/versioned').whoami()).toBe('1.0.0');
  });
});
