/**
 * `discoverPlugins`: finds every plugin folder in the plugin directories and reads its
 * manifest. One broken plugin never hides the others: it becomes a problem, the rest
 * load. Nothing here imports plugin code.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { BerthError, codes, describeThrown } from '../errors.js';
import { checkHostVersion } from '../manifest/engine-range.js';
import { MANIFEST_FILE, readManifest } from '../manifest/read-manifest.js';
import type { LoadedManifest } from '../manifest/read-manifest.js';
import type { ParseManifestOptions } from '../manifest/parse-manifest.js';

/** A folder that was skipped, and why. */
export interface DiscoveryProblem {
  /** The plugin folder, or the plugin directory itself when that could not be read. */
  dir: string;
  error: BerthError;
}

/** What discovery found. Both lists are fresh arrays the caller may change. */
export interface DiscoveryResult {
  /** Valid plugins with unique names, sorted by name. */
  plugins: LoadedManifest[];
  /** Skipped folders in the order met, then one entry per duplicated name. */
  problems: DiscoveryProblem[];
}

/** Options for {@link discoverPlugins}. */
export interface DiscoverOptions extends ParseManifestOptions {
  /**
   * Directories that may be missing without a problem: pass the implicit default
   * (`resolve(cwd, DEFAULT_PLUGIN_DIR)`) when no source named a directory.
   */
  optionalDirs?: readonly string[] | undefined;
}

/**
 * Reads the manifest of every immediate, non-hidden subfolder of `dirs` that holds a
 * plugin.json (other subfolders are ignored). Never throws for a plugin's fault: a
 * folder that fails `readManifest`, a missing or unreadable directory
 * (`PLUGIN_DIR_NOT_FOUND`, unless optional) and every plugin of a name met twice
 * (`PLUGIN_DUPLICATE`, none of them loads) are reported in `problems`. A folder reached
 * twice, through a symlink or a directory listed twice, counts once. Throws
 * `CONFIG_INVALID` only for an invalid `hostVersion`.
 */
export async function discoverPlugins(
  dirs: readonly string[],
  options: DiscoverOptions = {},
): Promise<DiscoveryResult> {
  const { optionalDirs = [], ...parseOptions } = options;
  if (parseOptions.hostVersion !== undefined) {
    // Checked once here rather than failing every plugin with the caller's mistake.
    checkHostVersion(parseOptions.hostVersion);
  }
  const optional = new Set(optionalDirs.map((dir) => resolve(dir)));
  const problems: DiscoveryProblem[] = [];
  const folders: string[] = [];
  const seenReal = new Set<string>();
  for (const dir of new Set(dirs.map((d) => resolve(d)))) {
    const listed = await listPluginFolders(dir, optional.has(dir));
    if (listed instanceof BerthError) {
      problems.push({ dir, error: listed });
      continue;
    }
    for (const folder of listed) {
      const real = await realpath(folder).catch(() => folder);
      if (seenReal.has(real)) continue;
      seenReal.add(real);
      folders.push(folder);
    }
  }

  const loaded = await Promise.all(folders.map((dir) => load(dir, parseOptions)));
  const byName = new Map<string, LoadedManifest[]>();
  for (const result of loaded) {
    if ('error' in result) {
      problems.push(result);
      continue;
    }
    const same = byName.get(result.manifest.name) ?? [];
    byName.set(result.manifest.name, [...same, result]);
  }

  const plugins: LoadedManifest[] = [];
  for (const [name, found] of byName) {
    const [only, ...others] = found;
    if (only !== undefined && others.length === 0) plugins.push(only);
    else problems.push(duplicate(name, found));
  }
  plugins.sort((a, b) => (a.manifest.name < b.manifest.name ? -1 : 1));
  return { plugins, problems };
}

/** The candidate plugin folders of one directory, sorted, or why it cannot be read. */
async function listPluginFolders(dir: string, optional: boolean): Promise<string[] | BerthError> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const { code } = error as { code?: unknown };
    if (optional && code === 'ENOENT') return [];
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ENOTDIR'
          ? 'is not a directory'
          : `cannot be read (${describeThrown(error)})`;
    return new BerthError(
      codes.PLUGIN_DIR_NOT_FOUND,
      `plugin directory ${dir} ${why}; create it, or fix --plugins, BERTH_PLUGINS or the ` +
        `config file`,
      { cause: error, data: { dir } },
    );
  }
  const visible = names.filter((name) => !name.startsWith('.')).sort();
  const found = await Promise.all(visible.map((name) => holdsManifest(join(dir, name))));
  return visible.filter((_, index) => found[index]).map((name) => join(dir, name));
}

/** True when `folder` is a directory (or a link to one) with a plugin.json to read. */
async function holdsManifest(folder: string): Promise<boolean> {
  try {
    await stat(join(folder, MANIFEST_FILE));
    return true;
  } catch (error) {
    const { code } = error as { code?: unknown };
    // ENOTDIR: a plain file beside the plugins. Anything else (EACCES) is worth reporting,
    // and readManifest will say what it is.
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

async function load(
  dir: string,
  options: ParseManifestOptions,
): Promise<LoadedManifest | DiscoveryProblem> {
  try {
    return await readManifest(dir, options);
  } catch (error) {
    // readManifest throws only BerthErrors; anything else is a bug that must surface.
    if (!(error instanceof BerthError)) throw error;
    return { dir, error };
  }
}

function duplicate(name: string, found: readonly LoadedManifest[]): DiscoveryProblem {
  const dirs = found.map((plugin) => plugin.dir);
  const listed = `${dirs.slice(0, -1).join(', ')} and ${dirs.at(-1) ?? ''}`;
  return {
    dir: dirs[0] ?? '',
    error: new BerthError(
      codes.PLUGIN_DUPLICATE,
      `${dirs.length} plugins are named "${name}": ${listed}; none of them is loaded until ` +
        `all but one are removed or renamed`,
      { plugin: name, data: { plugin: name, dirs } },
    ),
  };
}
