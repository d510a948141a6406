/**
 * A bundled plugin as an operator would run it on a pool: a folder in a temp dir with the
 * plugin's own manifest, every service switched to `isolation: "pool"` with `threads`,
 * its migration files copied, and a main module that re-exports the real plugin's built
 * entry. The plugin's code, config and migrations are the bundled ones, unchanged.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A pool variant on disk, and how to remove it. */
export interface PoolVariant {
  /** The folder to give the host as a plugin dir. */
  dir: string;
  remove(): Promise<void>;
}

/** Writes the pool variant of the plugin in `pluginDir` (which must be built). */
export async function writePoolVariant(pluginDir: string, threads: number): Promise<PoolVariant> {
  const manifest = JSON.parse(await readFile(join(pluginDir, 'plugin.json'), 'utf8')) as {
    main: string;
    services: Record<string, unknown>[];
    migrations?: string[];
  };
  const dir = await mkdtemp(join(tmpdir(), 'berth-pool-variant-'));
  try {
    const main = pathToFileURL(resolve(pluginDir, manifest.main)).href;
    await writeFile(join(dir, 'pool-main.js'), `export { default } from '${main}';\n`);
    for (const migration of manifest.migrations ?? []) {
      await mkdir(dirname(join(dir, migration)), { recursive: true });
      await copyFile(join(pluginDir, migration), join(dir, migration));
    }
    const variant = {
      ...manifest,
      main: 'pool-main.js',
      services: manifest.services.map((service) => ({ ...service, isolation: 'pool', threads })),
    };
    await writeFile(join(dir, 'plugin.json'), JSON.stringify(variant, null, 2));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
