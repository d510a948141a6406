import { delimiter, resolve } from 'node:path';
import { describe, it, expect } from 'vitest';

import { DEFAULT_PLUGIN_DIR, resolvePluginDirs } from '../../../src/discovery/index.js';

const cwd = resolve('/srv/app');
const at = (path: string): string => resolve(cwd, path);
const env = (...dirs: string[]): string => dirs.join(delimiter);

describe('resolvePluginDirs', () => {
  it('falls back to ./plugins under the cwd when nothing names a directory', () => {
    expect(resolvePluginDirs({ cwd })).toEqual([at(DEFAULT_PLUGIN_DIR)]);
    expect(resolvePluginDirs({ cwd })).toEqual([at('plugins')]);
  });

  it('uses repeated --plugins flags in order, over BERTH_PLUGINS and the config', () => {
    const dirs = resolvePluginDirs({
      flags: ['one', '/abs/two', 'three'],
      env: env('from-env'),
      config: ['from-config'],
      cwd,
    });
    expect(dirs).toEqual([at('one'), resolve('/abs/two'), at('three')]);
  });

  it('splits BERTH_PLUGINS on the path delimiter and ignores empty entries', () => {
    const value = ['', 'a', '', '/abs/b', ''].join(delimiter);
    expect(resolvePluginDirs({ env: value, cwd })).toEqual([at('a'), resolve('/abs/b')]);
  });

  it('splits BERTH_PLUGINS on colons on POSIX hosts', () => {
    if (delimiter !== ':') return;
    expect(resolvePluginDirs({ env: 'a:b', cwd })).toEqual([at('a'), at('b')]);
  });

  it('prefers BERTH_PLUGINS over the config file', () => {
    expect(resolvePluginDirs({ env: env('e'), config: ['c'], cwd })).toEqual([at('e')]);
  });

  it('treats an empty or separator-only BERTH_PLUGINS as unset', () => {
    expect(resolvePluginDirs({ env: '', config: ['c'], cwd })).toEqual([at('c')]);
    expect(resolvePluginDirs({ env: env('', '', ''), cwd })).toEqual([at('plugins')]);
  });

  it('uses the config list when there are no flags and no BERTH_PLUGINS', () => {
    expect(resolvePluginDirs({ flags: [], env: undefined, config: ['x', 'y'], cwd })).toEqual([
      at('x'),
      at('y'),
    ]);
  });

  it('treats empty flag and config lists as not given', () => {
    expect(resolvePluginDirs({ flags: [], config: [], cwd })).toEqual([at('plugins')]);
    expect(resolvePluginDirs({ flags: [''], cwd })).toEqual([at('plugins')]);
  });

  it('removes directories named twice, keeping the first place each was named', () => {
    const dirs = resolvePluginDirs({ flags: ['b', './a', 'b/', at('a'), 'c/../a'], cwd });
    expect(dirs).toEqual([at('b'), at('a')]);
  });

  it('does not merge sources: a flag hides the default directory too', () => {
    expect(resolvePluginDirs({ flags: ['only'], cwd })).not.toContain(at('plugins'));
  });
});
