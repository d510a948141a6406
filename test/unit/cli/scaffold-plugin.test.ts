import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, parseManifest } from '../../../src/index.js';
import { readBerthPackage } from '../../../src/cli/init/berth-package.js';
import { scaffoldPlugin } from '../../../src/cli/init/scaffold-plugin.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('scaffoldPlugin', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'berth-scaffold-'));
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('writes a storage plugin whose manifest a host accepts', async () => {
    const scaffold = await scaffoldPlugin({ name: 'my-store', parent, contract: 'storage' });
    expect(scaffold.dir).toBe(join(parent, 'my-store'));
    expect(scaffold.service).toEqual({ name: 'storage', contract: 'storage@1' });
    expect(await filesUnder(scaffold.dir)).toEqual(
      [
        '.gitignore',
        '.npmrc',
        'README.md',
        'package.json',
        'plugin.json',
        'src/index.ts',
        'test/storage.test.ts',
        'tsconfig.json',
      ].sort(),
    );
    const raw: unknown = JSON.parse(await readFile(join(scaffold.dir, 'plugin.json'), 'utf8'));
    const manifest = parseManifest(raw, 'plugin.json');
    expect(manifest).toMatchObject({ name: 'my-store', main: 'dist/index.js' });
    expect(manifest.services.map((s) => [s.name, s.contract])).toEqual([['storage', 'storage@1']]);
  });

  it('writes a greeter service when no contract is asked for', async () => {
    const scaffold = await scaffoldPlugin({ name: 'hello', parent });
    expect(scaffold.service).toEqual({ name: 'greeter', contract: 'greeter@1' });
    expect(await filesUnder(scaffold.dir)).toContain('test/greeter.test.ts');
  });

  it('links berth from the running copy, with the tool versions Berth itself uses', async () => {
    const scaffold = await scaffoldPlugin({ name: 'linked', parent });
    const pkg = JSON.parse(await readFile(join(scaffold.dir, 'package.json'), 'utf8')) as {
      type: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const own = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(readBerthPackage().root).toBe(root.replace(/\/$/, ''));
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toEqual({ berth: `file:${readBerthPackage().root}` });
    for (const tool of ['typescript', 'vitest', '@types/node']) {
      expect(pkg.devDependencies[tool]).toBe(own.devDependencies[tool]);
    }
    expect(Object.keys(pkg.scripts)).toEqual(['build', 'test']);
  });

  it('takes another berth spec, and then writes no .npmrc', async () => {
    const scaffold = await scaffoldPlugin({ name: 'published', parent, berthSpec: '^0.1.0' });
    const pkg = JSON.parse(await readFile(join(scaffold.dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies).toEqual({ berth: '^0.1.0' });
    expect(await filesUnder(scaffold.dir)).not.toContain('.npmrc');
  });

  it('writes every file as prettier would format it', async () => {
    const options = await prettier.resolveConfig(join(root, 'package.json'));
    for (const contract of ['storage', 'none']) {
      const { dir, files } = await scaffoldPlugin({ name: `fmt-${contract}`, parent, contract });
      for (const file of files.filter((f) => /\.(ts|json|md)$/.test(f))) {
        const text = await readFile(join(dir, file), 'utf8');
        expect(await prettier.check(text, { ...options, filepath: file }), file).toBe(true);
      }
    }
  });

  it('refuses a name a manifest would refuse, and writes nothing', async () => {
    for (const name of ['My-Plugin', 'my_plugin', 'two--hyphens', '-lead', '../escape', '']) {
      await expect(scaffoldPlugin({ name, parent }), name).rejects.toMatchObject({
        code: codes.MANIFEST_INVALID,
        data: { field: 'name' },
      });
    }
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses a folder that holds anything, and leaves it as it was', async () => {
    const dir = join(parent, 'taken');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(scaffoldPlugin({ name: 'taken', parent })).rejects.toMatchObject({
      code: codes.TARGET_NOT_EMPTY,
    });
    expect(await readdir(dir)).toEqual(['notes.txt']);
    await writeFile(join(parent, 'a-file'), '');
    await expect(scaffoldPlugin({ name: 'a-file', parent })).rejects.toMatchObject({
      code: codes.TARGET_NOT_EMPTY,
    });
  });

  it('fills an empty folder that already exists', async () => {
    await mkdir(join(parent, 'empty'));
    const scaffold = await scaffoldPlugin({ name: 'empty', parent });
    expect(await filesUnder(scaffold.dir)).toContain('plugin.json');
  });

  it('refuses an unknown contract and an empty berth spec', async () => {
    await expect(scaffoldPlugin({ name: 'x', parent, contract: 'queue' })).rejects.toMatchObject({
      code: codes.CONFIG_INVALID,
    });
    await expect(scaffoldPlugin({ name: 'x', parent, berthSpec: ' ' })).rejects.toMatchObject({
      code: codes.CONFIG_INVALID,
    });
    expect(await readdir(parent)).toEqual([]);
  });
});
