/**
 * Finds plugins for the host: each folder given is either a plugins directory or, when
 * it holds a plugin.json itself, a single plugin's folder.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, codes } from '../errors.js';
import { discoverPlugins, type DiscoveryResult } from '../discovery/index.js';
import { readManifest } from '../manifest/index.js';

/**
 * Discovers every plugin under `folders`; broken ones are problems. `optional` folders
 * may be missing without one. Throws only for a bug, never for a bad plugin.
 */
export async function findPlugins(
  folders: readonly string[],
  optional: readonly string[] = [],
): Promise<DiscoveryResult> {
  const single: string[] = [];
  const dirs: string[] = [];
  for (const folder of folders) {
    ((await isFile(join(folder, 'plugin.json'))) ? single : dirs).push(folder);
  }
  const found = await discoverPlugins(dirs, { optionalDirs: optional });
  for (const dir of single) {
    try {
      found.plugins.push(await readManifest(dir));
    } catch (error) {
      found.problems.push({ dir, error: error as BerthError });
    }
  }
  // The same folder may be met twice (given both ways); two folders with one name are a
  // duplicate, and neither loads, as in discovery itself.
  const dirsByName = new Map<string, Set<string>>();
  for (const plugin of found.plugins) {
    const dirsOfName = dirsByName.get(plugin.manifest.name) ?? new Set<string>();
    dirsByName.set(plugin.manifest.name, dirsOfName.add(plugin.dir));
  }
  const seen = new Set<string>();
  found.plugins = found.plugins.filter((plugin) => {
    const { name } = plugin.manifest;
    const dirsOfName = [...(dirsByName.get(name) ?? [])];
    if (dirsOfName.length > 1) {
      if (!seen.has(name)) {
        found.problems.push({
          dir: plugin.dir,
          error: new BerthError(
            codes.PLUGIN_DUPLICATE,
            `two plugins are named "${name}": ${dirsOfName.join(' and ')}; remove or rename one`,
            { plugin: name, data: { dirs: dirsOfName } },
          ),
        });
      }
    }
    const keep = dirsOfName.length === 1 && !seen.has(name);
    seen.add(name);
    return keep;
  });
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
