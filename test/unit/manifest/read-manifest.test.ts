import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';

import { BerthError, codes } from '../../../src/errors.js';
import { readManifest } from '../../../src/manifest/index.js';
import type { LoadedManifest } from '../../../src/manifest/index.js';
import {
  createTempDirs,
  manifestFor,
  writePlugin,
} from '../../fixtures/discovery/plugin-folders.js';

const temp = createTempDirs();
afterEach(() => temp.removeAll());

/** Runs readManifest and returns what it threw; fails the test if nothing was thrown. */
async function errorOf(dir: string, hostVersion?: string): Promise<BerthError> {
  const error: unknown = await readManifest(
    dir,
    hostVersion === undefined ? {} : { hostVersion },
  ).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BerthError);
  return error as BerthError;
}

describe('readManifest', () => {
  it('returns the manifest with the absolute folder, manifest and main paths', async () => {
    const root = await temp.make();
    const dir = await writePlugin(root, 'memory', manifestFor('memory-storage'));
    const loaded: LoadedManifest = await readManifest(dir);
    expect(loaded).toEqual({
      manifest: expect.objectContaining({ name: 'memory-storage', serviceOrder: ['storage'] }),
      dir,
      manifestPath: join(dir, 'plugin.json'),
      mainPath: join(dir, 'dist', 'index.js'),
    });
  });

  it('refuses a folder without plugin.json as MANIFEST_NOT_FOUND', async () => {
    const dir = await temp.make();
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.MANIFEST_NOT_FOUND);
    expect(error.data).toEqual({ file: join(dir, 'plugin.json'), dir });
    expect((error.cause as { code?: string }).code).toBe('ENOENT');
  });

  it('refuses invalid JSON as MANIFEST_PARSE with the line and column of the mistake', async () => {
    const root = await temp.make();
    const dir = await writePlugin(root, 'broken', '{\n  "name": "broken",\n}\n');
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.MANIFEST_PARSE);
    expect(error.data).toEqual({
      file: join(dir, 'plugin.json'),
      position: 22,
      line: 3,
      column: 1,
      problem: 'expected a property name in double quotes (no trailing comma)',
    });
    expect(error.message).toContain('line 3, column 1: expected a property name');
  });

  it('reads a manifest saved with a UTF-8 byte order mark', async () => {
    const root = await temp.make();
    const text = `\uFEFF${JSON.stringify(manifestFor('bom-plugin'))}`;
    const dir = await writePlugin(root, 'bom', text, { files: { 'dist/index.js': '' } });
    expect((await readManifest(dir)).manifest.name).toBe('bom-plugin');
  });

  it('passes on the errors of parseManifest', async () => {
    const root = await temp.make();
    const dir = await writePlugin(
      root,
      'future',
      manifestFor('future', { engines: { berth: '^9.0.0' } }),
    );
    const error = await errorOf(dir, '1.0.0');
    expect(error.code).toBe(codes.ENGINE_INCOMPATIBLE);
    expect(error.data?.['field']).toBe('engines.berth');
  });

  it('refuses a main file that does not exist', async () => {
    const root = await temp.make();
    const dir = await writePlugin(root, 'nomain', manifestFor('nomain'), { main: false });
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.MANIFEST_INVALID);
    expect(error.data?.['field']).toBe('main');
    expect(error.message).toContain(join(dir, 'plugin.json'));
  });

  it('refuses a main that is a directory', async () => {
    const root = await temp.make();
    const dir = await writePlugin(root, 'dirmain', manifestFor('dirmain', { main: 'dist' }), {
      main: false,
      files: { 'dist/index.js': '' },
    });
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.MANIFEST_INVALID);
    expect(error.data?.['field']).toBe('main');
  });

  it('refuses a missing migration file, naming its index', async () => {
    const root = await temp.make();
    const manifest = manifestFor('migrating', { migrations: ['m/001.sql', 'm/002.sql'] });
    const dir = await writePlugin(root, 'migrating', manifest, { files: { 'm/001.sql': '' } });
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.MANIFEST_INVALID);
    expect(error.data?.['field']).toBe('migrations[1]');
  });

  it('refuses a main symlinked to a file outside the plugin folder', async () => {
    const root = await temp.make();
    const outside = join(root, 'elsewhere.js');
    await writeFile(outside, '');
    const dir = await writePlugin(root, 'linked', manifestFor('linked'), { main: false });
    await mkdir(join(dir, 'dist'));
    await symlink(outside, join(dir, 'dist', 'index.js'));
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.PATH_ESCAPE);
    expect(error.data?.['field']).toBe('main');
    expect(error.message).toContain('main');
  });

  it('refuses a migration reached through a symlinked folder outside the plugin', async () => {
    const root = await temp.make();
    await mkdir(join(root, 'shared'));
    await writeFile(join(root, 'shared', 'up.sql'), '');
    const dir = await writePlugin(root, 'p', manifestFor('p', { migrations: ['sql/up.sql'] }));
    await symlink(join(root, 'shared'), join(dir, 'sql'));
    const error = await errorOf(dir);
    expect(error.code).toBe(codes.PATH_ESCAPE);
    expect(error.data?.['field']).toBe('migrations[0]');
  });

  it('accepts a main symlinked to another file inside the plugin folder', async () => {
    const root = await temp.make();
    const dir = await writePlugin(root, 'inner', manifestFor('inner'), {
      main: false,
      files: { 'lib/real.js': '' },
    });
    await mkdir(join(dir, 'dist'));
    await symlink(join(dir, 'lib', 'real.js'), join(dir, 'dist', 'index.js'));
    expect((await readManifest(dir)).mainPath).toBe(join(dir, 'dist', 'index.js'));
  });

  it('accepts a plugin folder that is itself a symlink', async () => {
    const root = await temp.make();
    const real = await writePlugin(root, 'real', manifestFor('via-link'));
    const link = join(root, 'link');
    await symlink(real, link);
    const loaded = await readManifest(link);
    expect(loaded.dir).toBe(link);
    expect(loaded.mainPath).toBe(join(link, 'dist', 'index.js'));
  });

  it('reads backslash separators in main as folder separators', async () => {
    const root = await temp.make();
    const manifest = manifestFor('windows', { main: 'dist\\index.js' });
    const dir = await writePlugin(root, 'windows', manifest, { files: { 'dist/index.js': '' } });
    expect((await readManifest(dir)).mainPath).toBe(join(dir, 'dist', 'index.js'));
  });
});
