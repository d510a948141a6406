import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_PLUGINS_DIR } from '../../../src/index.js';
import { pluginFolders } from '../../../src/service/plugin-folders.js';

describe("berth serve's plugin folders", () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-folders-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('are the bundled plugins of the package, wherever the working directory is', () => {
    expect(BUNDLED_PLUGINS_DIR.startsWith(cwd)).toBe(false);
    expect(pluginFolders({ plugins: undefined, bundledPlugins: true }, cwd)).toEqual({
      dirs: [BUNDLED_PLUGINS_DIR],
      bundled: BUNDLED_PLUGINS_DIR,
    });
  });

  it('add ./plugins when it exists, or the folders given, to the bundled', async () => {
    await mkdir(join(cwd, 'plugins'));
    expect(pluginFolders({ plugins: undefined, bundledPlugins: true }, cwd).dirs).toEqual([
      BUNDLED_PLUGINS_DIR,
      join(cwd, 'plugins'),
    ]);
    expect(
      pluginFolders({ plugins: ['a', join(cwd, 'b')], bundledPlugins: true }, cwd).dirs,
    ).toEqual([BUNDLED_PLUGINS_DIR, join(cwd, 'a'), join(cwd, 'b')]);
  });

  it('leave the bundled plugins out when told', () => {
    expect(pluginFolders({ plugins: ['a'], bundledPlugins: false }, cwd)).toEqual({
      dirs: [join(cwd, 'a')],
      bundled: undefined,
    });
  });

  it('count the bundled folder once, given again through a symlink', async () => {
    await symlink(BUNDLED_PLUGINS_DIR, join(cwd, 'linked'));
    expect(pluginFolders({ plugins: ['linked', 'a'], bundledPlugins: true }, cwd).dirs).toEqual([
      BUNDLED_PLUGINS_DIR,
      join(cwd, 'a'),
    ]);
  });
});
