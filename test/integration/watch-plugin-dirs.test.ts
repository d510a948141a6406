import { mkdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  discoverPlugins,
  watchPluginDirs,
  type PluginDirEvent,
  type PluginDirWatcher,
  type WatchPluginDirsOptions,
} from '../../src/discovery/index.js';
import { codes, isBerthError } from '../../src/errors.js';
import { createTempDirs, manifestFor, writePlugin } from '../fixtures/discovery/plugin-folders.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const temp = createTempDirs();
const watchers: PluginDirWatcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.close()));
  await temp.removeAll();
});

/** Short delays keep the tests quick; the rescan is off unless a test turns it on. */
function watch(
  dirs: string[],
  options: Partial<WatchPluginDirsOptions> = {},
): { watcher: PluginDirWatcher; events: PluginDirEvent[]; errors: unknown[] } {
  const events: PluginDirEvent[] = [];
  const errors: unknown[] = [];
  const watcher = watchPluginDirs(dirs, {
    debounceMs: 20,
    settleMs: 40,
    rescanMs: 0,
    onEvent: (event) => {
      events.push(event);
    },
    onError: (error) => errors.push(error),
    ...options,
  });
  watchers.push(watcher);
  return { watcher, events, errors };
}

const describeEvent = (event: PluginDirEvent): string =>
  event.type === 'problem'
    ? `problem ${event.problem.error.code}`
    : `${event.type} ${event.plugin.manifest.name}@${event.plugin.manifest.version}`;
const described = (events: readonly PluginDirEvent[]): string[] => events.map(describeEvent);

/** Waits until the events described so far are exactly `expected`. */
async function eventsBecome(events: readonly PluginDirEvent[], expected: string[]): Promise<void> {
  await vi.waitFor(() => expect(described(events)).toEqual(expected), {
    timeout: 10_000,
    interval: 20,
  });
}

/** A plugins directory holding `alpha`, and a watcher that starts from what is there. */
async function watchedDir(
  options: Partial<WatchPluginDirsOptions> = {},
): Promise<{ dir: string } & ReturnType<typeof watch>> {
  const dir = await temp.make();
  await writePlugin(dir, 'alpha', manifestFor('alpha'));
  const baseline = await discoverPlugins([dir]);
  const watched = watch([dir], { baseline, ...options });
  await watched.watcher.ready;
  return { dir, ...watched };
}

describe('watchPluginDirs', () => {
  it('reports a plugin folder dropped in while it runs, seen through fs.watch alone', async () => {
    const { dir, events } = await watchedDir();
    expect(events).toEqual([]);
    await writePlugin(dir, 'beta', manifestFor('beta'));
    await eventsBecome(events, ['added beta@1.0.0']);
    const [added] = events;
    expect(added?.type === 'added' && added.plugin).toMatchObject({
      dir: join(dir, 'beta'),
      source: 'dir',
    });
  });

  it('does not report a half-copied folder as added until its main file is there', async () => {
    const { dir, watcher, events } = await watchedDir();
    await writePlugin(dir, 'beta', manifestFor('beta'), { main: false });
    for (let scan = 0; scan < 3; scan += 1) await watcher.scan();
    expect(events.some((event) => event.type === 'added')).toBe(false);
    const problems = described(events);
    expect(
      problems.length <= 1 && problems.every((e) => e === `problem ${codes.MANIFEST_INVALID}`),
    ).toBe(true);
    await mkdir(join(dir, 'beta', 'dist'));
    await writeFile(join(dir, 'beta', 'dist', 'index.js'), 'export default {};\n');
    await eventsBecome(events, [...problems, 'added beta@1.0.0']);
  });

  it('reports a version bump written in place as changed', async () => {
    const { dir, events } = await watchedDir();
    await writeFile(
      join(dir, 'alpha', 'plugin.json'),
      JSON.stringify(manifestFor('alpha', { version: '2.0.0' })),
    );
    await eventsBecome(events, ['changed alpha@2.0.0']);
    const [changed] = events;
    expect(changed?.type === 'changed' && changed.previous.manifest.version).toBe('1.0.0');
  });

  it('reports a deleted plugin folder as removed', async () => {
    const { dir, events } = await watchedDir();
    await rm(join(dir, 'alpha'), { recursive: true });
    await eventsBecome(events, ['removed alpha@1.0.0']);
  });

  it('reports a broken drop-in once, whatever the number of scans, and nothing else', async () => {
    const { dir, watcher, events } = await watchedDir();
    await writePlugin(dir, 'broken', '{ "name": "broken", ');
    await eventsBecome(events, [`problem ${codes.MANIFEST_PARSE}`]);
    for (let scan = 0; scan < 4; scan += 1) await watcher.scan();
    expect(described(events)).toEqual([`problem ${codes.MANIFEST_PARSE}`]);
    const [problem] = events;
    expect(problem?.type === 'problem' && problem.problem.dir).toBe(join(dir, 'broken'));
  });

  it('finds a plugin directory created after start through the periodic rescan', async () => {
    const parent = await temp.make();
    const dir = join(parent, 'plugins');
    const { watcher, events } = watch([dir], { optionalDirs: [dir], rescanMs: 50 });
    await watcher.ready;
    // Nothing watches the parent: only the rescan can see this.
    await writePlugin(dir, 'late', manifestFor('late'));
    await eventsBecome(events, ['added late@1.0.0']);
  });

  it('finds an npm plugin package installed while it runs, through the rescan', async () => {
    const root = await temp.make();
    await writeFile(join(root, 'package.json'), JSON.stringify({ dependencies: { pkg: '1' } }));
    const { watcher, events } = watch([], { npmRoots: [root], rescanMs: 50 });
    await watcher.ready;
    const dir = join(root, 'node_modules', 'pkg');
    await writePlugin(dir, '.', manifestFor('packaged'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'pkg', berth: 'plugin.json' }),
    );
    await eventsBecome(events, ['added packaged@1.0.0']);
    const [added] = events;
    expect(added?.type === 'added' && [added.plugin.source, added.plugin.packageName]).toEqual([
      'npm',
      'pkg',
    ]);
  });

  it('waits for a slow listener, and hands what a listener throws to onError', async () => {
    const dir = await temp.make();
    let active = 0;
    let overlapped = false;
    const { watcher, errors } = watch([dir], {
      baseline: { plugins: [], problems: [] },
      onEvent: async (event) => {
        active += 1;
        overlapped ||= active > 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        active -= 1;
        if (event.type === 'added' && event.plugin.manifest.name === 'b')
          throw new Error('listener');
      },
    });
    await watcher.ready;
    await Promise.all(['a', 'b', 'c'].map((name) => writePlugin(dir, name, manifestFor(name))));
    await watcher.scan();
    await watcher.scan();
    expect(overlapped).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ message: 'listener' })]);
  });

  it('closes cleanly: once closed, nothing of it keeps a thread alive', async () => {
    const dir = await temp.make();
    await writePlugin(dir, 'alpha', manifestFor('alpha'));
    // A thread exits on its own only when no watch, timer or pending read is left; one
    // that stays is terminated and fails the test.
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
      const { writeFile, mkdir } = require('node:fs/promises');
      import(workerData.module).then(async ({ watchPluginDirs }) => {
        const events = [];
        const watcher = watchPluginDirs([workerData.dir], {
          debounceMs: 5, settleMs: 10, rescanMs: 1000, onEvent: (e) => { events.push(e.type + ' ' + e.plugin.manifest.name); },
        });
        await watcher.ready;
        await watcher.scan();
        // Leave a debounce and a settle timer pending, and a watch on a new folder, then close.
        await mkdir(workerData.dir + '/beta/dist', { recursive: true });
        await writeFile(workerData.dir + '/beta/dist/index.js', '');
        await writeFile(workerData.dir + '/beta/plugin.json', workerData.manifest);
        await watcher.close();
        parentPort.postMessage(events);
      });`,
      {
        eval: true,
        workerData: {
          module: pathToFileURL(join(root, 'dist/src/discovery/index.js')).href,
          dir,
          manifest: JSON.stringify(manifestFor('beta')),
        },
      },
    );
    const told = once(worker, 'message');
    const exited = once(worker, 'exit');
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    try {
      const [events] = (await told) as [string[]];
      expect(events[0]).toBe('added alpha');
      const [exitCode] = (await exited) as [number];
      expect(exitCode).toBe(0); // terminate() would make it 1
    } finally {
      clearTimeout(timer);
      await worker.terminate();
    }
  });

  it('refuses a negative delay with CONFIG_INVALID', () => {
    let thrown: unknown;
    try {
      watch([], { debounceMs: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isBerthError(thrown, codes.CONFIG_INVALID)).toBe(true);
  });
});
