// npm packages as plugins, through a real host: a temp project whose package.json lists
// dependencies, installed in its node_modules, one of them declaring a Berth plugin with
// a `berth` field; the host finds it, starts it in a worker thread and calls it.
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { codes, createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import { countLiveWorkers } from '../../src/isolation/thread-runtime.js';
import { createTempDirs } from '../fixtures/discovery/plugin-folders.js';
import type { Versioned } from '../fixtures/plugins/versioned/index.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/plugins/versioned/', import.meta.url));

const temp = createTempDirs();
const hosts: PluginHost[] = [];
let project: string;
let pluginsDir: string;

beforeEach(async () => {
  project = await temp.make();
  pluginsDir = join(project, 'plugins');
  await mkdir(pluginsDir);
  // Packages import `berth/sdk` from the project's node_modules, as in an application.
  await mkdir(join(project, 'node_modules'));
  await symlink(repoRoot, join(project, 'node_modules', 'berth'), 'dir');
});

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  await temp.removeAll();
  expect(countLiveWorkers()).toBe(0);
});

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2));
}

/** Installs package `name` in the project's node_modules with these package.json fields. */
async function installPackage(name: string, fields: Record<string, unknown>): Promise<string> {
  const dir = join(project, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeJson(join(dir, 'package.json'), { name, version: '1.0.0', ...fields });
  return dir;
}

/** The versioned fixture, copied into `dir` as a package would ship it. */
async function copyFixture(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await cp(join(fixture, 'index.js'), join(dir, 'index.js'));
  await cp(join(fixture, 'plugin.json'), join(dir, 'plugin.json'));
}

async function startHost(options: HostOptions): Promise<PluginHost> {
  const host = createHost({
    plugins: [pluginsDir],
    dataDir: join(project, 'data'),
    isolation: 'thread',
    logger: pino({ level: 'silent' }),
    ...options,
  });
  hosts.push(host);
  await host.start();
  return host;
}

describe('npm packages as plugins, through the host', () => {
  it('runs a dependency whose package.json has a `berth` field, and reports a broken one', async () => {
    await writeJson(join(project, 'package.json'), {
      name: 'app',
      private: true,
      dependencies: {
        '@acme/berth-versioned': '^1.0.0',
        'broken-berth-plugin': '^1.0.0',
        'plain-library': '^1.0.0',
      },
    });
    // The manifest may sit anywhere in the package; the `berth` field says where.
    const pkg = await installPackage('@acme/berth-versioned', { berth: 'plugin/plugin.json' });
    await copyFixture(join(pkg, 'plugin'));
    const broken = await installPackage('broken-berth-plugin', { berth: 'missing/plugin.json' });
    await installPackage('plain-library', { main: 'index.js' });

    const host = await startHost({ npmRoots: [project] });
    const manifest = JSON.parse(await readFile(join(fixture, 'plugin.json'), 'utf8')) as {
      version: string;
    };
    expect(host.plugins()).toMatchObject([
      { name: 'versioned', dir: join(pkg, 'plugin'), state: 'running', isolation: 'thread' },
    ]);
    expect(await host.service<Versioned>('versioned').whoami()).toBe(manifest.version);
    expect(host.problems()).toMatchObject([
      { dir: broken, error: { code: codes.MANIFEST_NOT_FOUND } },
    ]);
    expect(countLiveWorkers()).toBe(1);
  });

  it('takes no packages from an npm root it was not given, and reports a root without package.json', async () => {
    const pkg = await installPackage('berth-versioned', { berth: 'plugin.json' });
    await copyFixture(pkg);
    await writeJson(join(project, 'package.json'), {
      name: 'app',
      dependencies: { 'berth-versioned': '1.0.0' },
    });

    const withoutRoots = await startHost({ npmRoots: [] });
    expect(withoutRoots.plugins()).toEqual([]);
    await withoutRoots.close();

    const noProject = await temp.make();
    const host = await startHost({ npmRoots: [noProject, project] });
    expect(host.plugins().map((p) => [p.name, p.state])).toEqual([['versioned', 'running']]);
    expect(host.problems()).toMatchObject([
      { dir: noProject, error: { code: codes.PLUGIN_DIR_NOT_FOUND } },
    ]);
  });
});
