import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';

import { DEFAULT_PLUGIN_DIR, discoverPlugins } from '../../../src/discovery/index.js';
import type { DiscoveryResult } from '../../../src/discovery/index.js';
import { BerthError, codes } from '../../../src/errors.js';
import {
  createTempDirs,
  manifestFor,
  writePlugin,
} from '../../fixtures/discovery/plugin-folders.js';

const temp = createTempDirs();
afterEach(() => temp.removeAll());

const names = (result: DiscoveryResult): string[] => result.plugins.map((p) => p.manifest.name);
const problemCodes = (result: DiscoveryResult): string[] =>
  result.problems.map((p) => p.error.code);

describe('discoverPlugins', () => {
  it('finds every subfolder with a plugin.json, sorted by name', async () => {
    const root = await temp.make();
    await writePlugin(root, 'zeta', manifestFor('zeta'));
    await writePlugin(root, 'alpha', manifestFor('alpha'));
    const found = await discoverPlugins([root]);
    expect(names(found)).toEqual(['alpha', 'zeta']);
    expect(found.problems).toEqual([]);
    expect(found.plugins[0]).toMatchObject({
      dir: join(root, 'alpha'),
      manifestPath: join(root, 'alpha', 'plugin.json'),
      mainPath: join(root, 'alpha', 'dist', 'index.js'),
    });
  });

  it('ignores folders without plugin.json, hidden folders and plain files', async () => {
    const root = await temp.make();
    await writePlugin(root, 'real', manifestFor('real'));
    await writePlugin(root, '.hidden', manifestFor('hidden'));
    await mkdir(join(root, 'node_modules'));
    await writeFile(join(root, 'README.md'), '# plugins\n');
    const found = await discoverPlugins([root]);
    expect(names(found)).toEqual(['real']);
    expect(found.problems).toEqual([]);
  });

  it('reports a broken plugin with its error and still loads the others', async () => {
    const root = await temp.make();
    await writePlugin(root, 'good-one', manifestFor('good-one'));
    const badJson = await writePlugin(root, 'bad-json', '{ "name": ');
    const badField = await writePlugin(
      root,
      'bad-field',
      manifestFor('bad-field', { version: 'x' }),
    );
    const noMain = await writePlugin(root, 'no-main', manifestFor('no-main'), { main: false });
    await writePlugin(root, 'good-two', manifestFor('good-two'));

    const found = await discoverPlugins([root]);
    expect(names(found)).toEqual(['good-one', 'good-two']);
    expect(
      found.problems.map(({ dir, error }) => [dir, error.code, error.data?.['field']]),
    ).toEqual([
      [badField, codes.MANIFEST_INVALID, 'version'],
      [badJson, codes.MANIFEST_PARSE, undefined],
      [noMain, codes.MANIFEST_INVALID, 'main'],
    ]);
    for (const { error } of found.problems) expect(error).toBeInstanceOf(BerthError);
  });

  it('skips a plugin made for another Berth, checked against the given hostVersion', async () => {
    const root = await temp.make();
    await writePlugin(root, 'old', manifestFor('old', { engines: { berth: '^1.0.0' } }));
    await writePlugin(root, 'new', manifestFor('new', { engines: { berth: '^2.0.0' } }));
    const found = await discoverPlugins([root], { hostVersion: '2.1.0' });
    expect(names(found)).toEqual(['new']);
    expect(problemCodes(found)).toEqual([codes.ENGINE_INCOMPATIBLE]);
    expect(found.problems[0]?.error.data?.['hostVersion']).toBe('2.1.0');
  });

  it('drops both plugins of a duplicated name and names both folders in one problem', async () => {
    const first = await temp.make();
    const second = await temp.make();
    const a = await writePlugin(first, 'storage', manifestFor('shared-name'));
    const b = await writePlugin(second, 'storage-copy', manifestFor('shared-name'));
    await writePlugin(second, 'other', manifestFor('other'));

    const found = await discoverPlugins([first, second]);
    expect(names(found)).toEqual(['other']);
    expect(found.problems).toHaveLength(1);
    const [problem] = found.problems;
    expect(problem?.error.code).toBe(codes.PLUGIN_DUPLICATE);
    expect(problem?.error.plugin).toBe('shared-name');
    expect(problem?.error.data).toEqual({ plugin: 'shared-name', dirs: [a, b] });
    expect(problem?.dir).toBe(a);
    expect(problem?.error.message).toContain(a);
    expect(problem?.error.message).toContain(b);
  });

  it('keeps folders of one plugin in distinct versions with `versions`, newest last; one version twice is still a duplicate', async () => {
    const root = await temp.make();
    const v2 = await writePlugin(root, 'shared-2', manifestFor('shared', { version: '2.0.0' }));
    const v1 = await writePlugin(root, 'shared-1', manifestFor('shared'));
    await writePlugin(root, 'twin-a', manifestFor('twin'));
    await writePlugin(root, 'twin-b', manifestFor('twin'));

    const found = await discoverPlugins([root], { versions: true });
    expect(found.plugins.map((p) => [p.manifest.name, p.manifest.version, p.dir])).toEqual([
      ['shared', '1.0.0', v1],
      ['shared', '2.0.0', v2],
    ]);
    expect(problemCodes(found)).toEqual([codes.PLUGIN_DUPLICATE]);
    expect(found.problems[0]?.error.plugin).toBe('twin');

    const strict = await discoverPlugins([root]);
    expect(strict.plugins).toEqual([]);
    expect(problemCodes(strict)).toEqual([codes.PLUGIN_DUPLICATE, codes.PLUGIN_DUPLICATE]);
  });

  it('reports a missing directory as PLUGIN_DIR_NOT_FOUND and searches the rest', async () => {
    const root = await temp.make();
    await writePlugin(root, 'here', manifestFor('here'));
    const missing = join(root, 'not-there');
    const found = await discoverPlugins([missing, root]);
    expect(names(found)).toEqual(['here']);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]?.dir).toBe(missing);
    expect(found.problems[0]?.error.code).toBe(codes.PLUGIN_DIR_NOT_FOUND);
    expect(found.problems[0]?.error.data).toEqual({ dir: missing });
  });

  it('reports a file given as a plugin directory', async () => {
    const root = await temp.make();
    const file = join(root, 'plugins.txt');
    await writeFile(file, '');
    const found = await discoverPlugins([file]);
    expect(problemCodes(found)).toEqual([codes.PLUGIN_DIR_NOT_FOUND]);
  });

  it('lets an optional directory, such as the implicit ./plugins, be absent', async () => {
    const root = await temp.make();
    const implicit = join(root, DEFAULT_PLUGIN_DIR);
    const found = await discoverPlugins([implicit], { optionalDirs: [implicit] });
    expect(found).toEqual({ plugins: [], problems: [] });
  });

  it('counts a plugin folder reached twice only once', async () => {
    const root = await temp.make();
    const plugins = join(root, 'plugins');
    await writePlugin(plugins, 'once', manifestFor('once'));
    const linked = join(root, 'linked');
    await symlink(plugins, linked);
    const found = await discoverPlugins([plugins, linked, `${plugins}/`]);
    expect(names(found)).toEqual(['once']);
    expect(found.problems).toEqual([]);
  });

  it('finds a plugin folder that is a symlink into the plugins directory', async () => {
    const root = await temp.make();
    const source = await writePlugin(root, 'source', manifestFor('linked-in'));
    const plugins = join(root, 'plugins');
    await mkdir(plugins);
    await symlink(source, join(plugins, 'linked-in'));
    const found = await discoverPlugins([plugins]);
    expect(found.plugins.map((p) => p.dir)).toEqual([join(plugins, 'linked-in')]);
  });

  it('never imports plugin code', async () => {
    const root = await temp.make();
    const main = 'globalThis.berthDiscoveryLoaded = true; throw new Error("loaded");\n';
    await writePlugin(root, 'loud', manifestFor('loud'), { files: { 'dist/index.js': main } });
    const found = await discoverPlugins([root]);
    expect(names(found)).toEqual(['loud']);
    expect('berthDiscoveryLoaded' in globalThis).toBe(false);
  });

  it('throws CONFIG_INVALID once for an invalid hostVersion', async () => {
    const root = await temp.make();
    await writePlugin(root, 'any', manifestFor('any'));
    const error: unknown = await discoverPlugins([root], { hostVersion: 'next' }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(BerthError);
    expect((error as BerthError).code).toBe(codes.CONFIG_INVALID);
    expect((error as BerthError).data?.['field']).toBe('hostVersion');
  });
});
