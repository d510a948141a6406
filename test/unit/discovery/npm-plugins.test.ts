import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { discoverPlugins, type DiscoveryResult } from '../../../src/discovery/index.js';
import { codes } from '../../../src/errors.js';
import {
  createTempDirs,
  manifestFor,
  writePlugin,
} from '../../fixtures/discovery/plugin-folders.js';

const temp = createTempDirs();
afterEach(() => temp.removeAll());

/** A project folder whose package.json lists `dependencies` (name -> range). */
async function makeProject(
  dependencies: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const root = await temp.make();
  await writeJson(join(root, 'package.json'), { name: 'app', dependencies, ...extra });
  return root;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2));
}

/**
 * Installs a package in `<root>/node_modules/<name>` with `package.json` fields `fields`;
 * with `manifest`, also a plugin folder at `pluginFolder` inside it (main file included).
 */
async function installPackage(
  root: string,
  name: string,
  fields: Record<string, unknown>,
  manifest?: Record<string, unknown>,
  pluginFolder = '.',
): Promise<string> {
  const dir = join(root, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeJson(join(dir, 'package.json'), { name, version: '1.0.0', ...fields });
  if (manifest !== undefined) await writePlugin(dir, pluginFolder, manifest);
  return dir;
}

const summary = (found: DiscoveryResult): unknown[] =>
  found.plugins.map((p) => [p.manifest.name, p.source, p.packageName]);
const problemSummary = (found: DiscoveryResult): unknown[] =>
  found.problems.map((p) => [p.packageName, p.error.code]);

describe('discoverPlugins with npmRoots', () => {
  it('discovers a dependency whose package.json declares a berth plugin, like a folder', async () => {
    const root = await makeProject({ 'berth-plugin-cache': '^1.0.0', lodash: '^4.0.0' });
    const dir = await installPackage(
      root,
      'berth-plugin-cache',
      { berth: 'plugin.json' },
      manifestFor('cache'),
    );
    await installPackage(root, 'lodash', { main: 'lodash.js' });
    const plugins = await temp.make();
    await writePlugin(plugins, 'local', manifestFor('local'));

    const found = await discoverPlugins([plugins], { npmRoots: [root] });
    expect(found.problems).toEqual([]);
    expect(summary(found)).toEqual([
      ['cache', 'npm', 'berth-plugin-cache'],
      ['local', 'dir', undefined],
    ]);
    expect(found.plugins[0]).toMatchObject({
      dir,
      manifestPath: join(dir, 'plugin.json'),
      mainPath: join(dir, 'dist', 'index.js'),
    });
  });

  it('finds scoped packages and a manifest in a subfolder of the package', async () => {
    const root = await makeProject({ '@acme/berth-audit': '1.0.0' });
    const dir = await installPackage(
      root,
      '@acme/berth-audit',
      { berth: 'dist/plugin.json' },
      manifestFor('audit'),
      'dist',
    );
    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(summary(found)).toEqual([['audit', 'npm', '@acme/berth-audit']]);
    expect(found.plugins[0]?.dir).toBe(join(dir, 'dist'));
  });

  it('reads only direct dependencies: not devDependencies, not other installed packages', async () => {
    const root = await makeProject(
      { direct: '1.0.0' },
      { devDependencies: { 'dev-only': '1.0.0' }, optionalDependencies: { optional: '1.0.0' } },
    );
    for (const name of ['direct', 'dev-only', 'transitive', 'optional']) {
      await installPackage(root, name, { berth: 'plugin.json' }, manifestFor(name));
    }
    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(summary(found)).toEqual([
      ['direct', 'npm', 'direct'],
      ['optional', 'npm', 'optional'],
    ]);
  });

  it('silently skips a dependency that is not installed or declares no plugin', async () => {
    const root = await makeProject({ missing: '1.0.0', plain: '1.0.0' });
    await installPackage(root, 'plain', {});
    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(found).toEqual({ plugins: [], problems: [] });
  });

  it('refuses a berth path that leaves the package, by .., absolute path or symlink', async () => {
    const root = await makeProject({ dotdot: '1', absolute: '1', linked: '1' });
    const outside = await temp.make();
    await writePlugin(outside, 'elsewhere', manifestFor('elsewhere'));
    await installPackage(root, 'dotdot', { berth: '../outside/plugin.json' });
    await installPackage(root, 'absolute', {
      berth: join(outside, 'elsewhere', 'plugin.json'),
    });
    const linked = await installPackage(root, 'linked', { berth: 'inner/plugin.json' });
    await symlink(join(outside, 'elsewhere'), join(linked, 'inner'));

    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(found.plugins).toEqual([]);
    expect(problemSummary(found)).toEqual([
      ['absolute', codes.PATH_ESCAPE],
      ['dotdot', codes.PATH_ESCAPE],
      ['linked', codes.PATH_ESCAPE],
    ]);
    expect(found.problems.every((p) => p.source === 'npm')).toBe(true);
    expect(found.problems[0]?.error.data).toMatchObject({ field: 'berth', package: 'absolute' });
  });

  it('accepts a package that is itself a link, as npm link and workspaces make', async () => {
    const root = await makeProject({ 'linked-plugin': 'file:../pkg' });
    const source = await temp.make();
    await writeJson(join(source, 'package.json'), { name: 'linked-plugin', berth: 'plugin.json' });
    await writePlugin(source, '.', manifestFor('linked'));
    await mkdir(join(root, 'node_modules'));
    await symlink(source, join(root, 'node_modules', 'linked-plugin'));
    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(summary(found)).toEqual([['linked', 'npm', 'linked-plugin']]);
  });

  it('reports a berth field that is not a path to plugin.json, and a manifest that is not there', async () => {
    const root = await makeProject({ 'not-a-path': '1', 'other-name': '1', absent: '1' });
    await installPackage(root, 'not-a-path', { berth: true });
    await installPackage(root, 'other-name', { berth: 'berth.json' });
    await installPackage(root, 'absent', { berth: 'plugin.json' });
    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(problemSummary(found)).toEqual([
      ['absent', codes.MANIFEST_NOT_FOUND],
      ['not-a-path', codes.MANIFEST_INVALID],
      ['other-name', codes.MANIFEST_INVALID],
    ]);
    expect(found.problems[1]?.error.data?.['field']).toBe('berth');
  });

  it('reports a broken plugin package with its manifest error, and still loads the others', async () => {
    const root = await makeProject({ good: '1', broken: '1' });
    await installPackage(root, 'good', { berth: 'plugin.json' }, manifestFor('good'));
    const broken = await installPackage(
      root,
      'broken',
      { berth: 'plugin.json' },
      manifestFor('broken', { version: 'one' }),
    );
    const found = await discoverPlugins([], { npmRoots: [root] });
    expect(summary(found)).toEqual([['good', 'npm', 'good']]);
    expect(found.problems).toMatchObject([{ dir: broken, source: 'npm', packageName: 'broken' }]);
    expect(found.problems[0]?.error.code).toBe(codes.MANIFEST_INVALID);
  });

  it('treats a package and a folder with one plugin name as duplicates', async () => {
    const root = await makeProject({ twin: '1' });
    await installPackage(root, 'twin', { berth: 'plugin.json' }, manifestFor('twin'));
    const plugins = await temp.make();
    await writePlugin(plugins, 'twin', manifestFor('twin'));
    const found = await discoverPlugins([plugins], { npmRoots: [root] });
    expect(found.plugins).toEqual([]);
    expect(found.problems.map((p) => p.error.code)).toEqual([codes.PLUGIN_DUPLICATE]);
  });

  it('counts once a package linked into a plugins directory', async () => {
    const root = await makeProject({ shared: '1' });
    const dir = await installPackage(
      root,
      'shared',
      { berth: 'plugin.json' },
      manifestFor('shared'),
    );
    const plugins = await temp.make();
    await symlink(dir, join(plugins, 'shared'));
    const found = await discoverPlugins([plugins], { npmRoots: [root] });
    expect(found.problems).toEqual([]);
    expect(summary(found)).toEqual([['shared', 'dir', undefined]]);
  });

  it('reports an npm root without a package.json, unless it is optional', async () => {
    const bare = await temp.make();
    const found = await discoverPlugins([], { npmRoots: [bare] });
    expect(found.problems.map((p) => [p.dir, p.error.code])).toEqual([
      [bare, codes.PLUGIN_DIR_NOT_FOUND],
    ]);
    expect(await discoverPlugins([], { npmRoots: [bare], optionalDirs: [bare] })).toEqual({
      plugins: [],
      problems: [],
    });
  });

  it('reports an npm root whose package.json is not a JSON object', async () => {
    const root = await temp.make();
    await writeFile(join(root, 'package.json'), '{ "name": ');
    const found = await discoverPlugins([], { npmRoots: [root], optionalDirs: [root] });
    expect(found.problems.map((p) => p.error.code)).toEqual([codes.PLUGIN_DIR_NOT_FOUND]);
  });
});
