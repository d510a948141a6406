/**
 * Finds plugins for the host: each folder given is either a plugins directory or, when
 * it holds a plugin.json itself, a single plugin's folder; and the plugin packages among
 * the dependencies of its npm roots. Several folders of one plugin with distinct versions
 * are all kept, as versions of it (collect-plugins.ts picks the one to run).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { BerthError, codes } from '../errors.js';
import {
  discoverPlugins,
  distinctVersions,
  type DiscoveredPlugin,
  type DiscoveryResult,
} from '../discovery/index.js';
import { readManifest } from '../manifest/index.js';

/**
 * Discovers every plugin under `folders` and among the direct dependencies of `npmRoots`
 * (src/discovery/find-npm-plugin-folders.ts); broken ones are problems. `optional`
 * folders (plugin directories or npm roots) may be missing without one. Throws only for
 * a bug, never for a bad plugin.
 */
export async function findPlugins(
  folders: readonly string[],
  optional: readonly string[] = [],
  npmRoots: readonly string[] = [],
): Promise<DiscoveryResult> {
  const single: string[] = [];
  const dirs: string[] = [];
  for (const folder of folders) {
    ((await isFile(join(folder, 'plugin.json'))) ? single : dirs).push(folder);
  }
  const found = await discoverPlugins(dirs, { optionalDirs: optional, npmRoots, versions: true });
  for (const dir of single) {
    try {
      found.plugins.push(await readManifest(dir));
    } catch (error) {
      found.problems.push({ dir, error: error as BerthError });
    }
  }
  // The same folder may be met twice (given both ways) and counts once. Folders of one
  // name are versions of one plugin when their versions differ; two folders of one
  // version are a duplicate, and none of that name loads, as in discovery itself.
  const byName = new Map<string, Map<string, DiscoveredPlugin>>();
  for (const plugin of found.plugins) {
    const folders = byName.get(plugin.manifest.name) ?? new Map<string, DiscoveredPlugin>();
    if (!folders.has(plugin.dir)) byName.set(plugin.manifest.name, folders.set(plugin.dir, plugin));
  }
  found.plugins = [];
  for (const [name, folders] of byName) {
    const plugins = [...folders.values()];
    if (distinctVersions(plugins)) {
      found.plugins.push(...plugins);
      continue;
    }
    const dirsOfName = [...folders.keys()];
    found.problems.push({
      dir: dirsOfName[0] ?? '',
      error: new BerthError(
        codes.PLUGIN_DUPLICATE,
        `${dirsOfName.length} folders hold plugin "${name}", some in the same version: ` +
          `${dirsOfName.join(' and ')}; none of them is loaded until each has a version ` +
          `of its own or all but one are removed`,
        { plugin: name, data: { plugin: name, dirs: dirsOfName } },
      ),
    });
  }
  found.plugins.sort(
    (a, b) =>
      a.manifest.name.localeCompare(b.manifest.name) ||
      semver.compare(a.manifest.version, b.manifest.version),
  );
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
