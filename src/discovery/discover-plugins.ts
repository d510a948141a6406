/**
 * `discoverPlugins`: finds every plugin folder in the plugin directories, and every npm
 * package that declares one, and reads its manifest. One broken plugin never hides the
 * others: it becomes a problem, the rest load. Nothing here imports plugin code.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import semver from 'semver';

import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { checkHostVersion } from '../manifest/engine-range.js';
import { MANIFEST_FILE, readManifest, type LoadedManifest } from '../manifest/read-manifest.js';
import type { ParseManifestOptions } from '../manifest/parse-manifest.js';
import type {
  DiscoveredPlugin,
  DiscoveryProblem,
  DiscoveryResult,
  PluginSource,
} from './discovery-result.js';
import { findNpmPluginFolders } from './find-npm-plugin-folders.js';

export type {
  DiscoveredPlugin,
  DiscoveryProblem,
  DiscoveryResult,
  PluginSource,
} from './discovery-result.js';

/** Options for {@link discoverPlugins}. */
export interface DiscoverOptions extends ParseManifestOptions {
  /**
   * Directories that may be missing without a problem: pass the implicit default
   * (`resolve(cwd, DEFAULT_PLUGIN_DIR)`) when no source named a directory. An npm root
   * listed here may lack a package.json (then it simply has no plugin packages).
   */
  optionalDirs?: readonly string[] | undefined;
  /**
   * Project folders whose direct dependencies may be plugin packages (a package.json
   * with a `berth` field), looked for in `<root>/node_modules`. Default none. The host
   * passes its working directory, as optional, unless told otherwise.
   */
  npmRoots?: readonly string[] | undefined;
  /**
   * Several folders of one plugin name holding distinct versions are versions of one
   * plugin, all kept (a new version dropped in beside the running one), rather than
   * duplicates. Folders with the same name and version are still duplicates. Default false.
   */
  versions?: boolean | undefined;
}

/** A folder to read, and where it was found. */
interface Candidate {
  dir: string;
  source: PluginSource;
  packageName?: string | undefined;
}

/**
 * Reads the manifest of every immediate, non-hidden subfolder of `dirs` that holds a
 * plugin.json (other subfolders are ignored), then of every plugin package among the
 * direct dependencies of `options.npmRoots` (see `findNpmPluginFolders`); each result
 * says which (`source: 'dir' | 'npm'`, and `packageName`). Never throws for a plugin's
 * fault: a folder that fails `readManifest`, a missing or unreadable directory
 * (`PLUGIN_DIR_NOT_FOUND`, unless optional) and every plugin of a name met twice
 * (`PLUGIN_DUPLICATE`, none of them loads; with `versions`, only when two of them share a
 * version) are reported in `problems`. A folder reached
 * twice (through a symlink, a directory listed twice, or a package linked into a
 * plugins directory) counts once, as the first met. Throws `CONFIG_INVALID` only for an
 * invalid `hostVersion`.
 */
export async function discoverPlugins(
  dirs: readonly string[],
  options: DiscoverOptions = {},
): Promise<DiscoveryResult> {
  const { optionalDirs = [], npmRoots = [], versions = false, ...parseOptions } = options;
  if (parseOptions.hostVersion !== undefined) {
    // Checked once here rather than failing every plugin with the caller's mistake.
    checkHostVersion(parseOptions.hostVersion);
  }
  const optional = new Set(optionalDirs.map((dir) => resolve(dir)));
  const problems: DiscoveryProblem[] = [];
  const candidates: Candidate[] = [];
  for (const dir of new Set(dirs.map((d) => resolve(d)))) {
    const listed = await listPluginFolders(dir, optional.has(dir));
    if (listed instanceof BerthError) problems.push({ dir, error: listed, source: 'dir' });
    else candidates.push(...listed.map((folder) => ({ dir: folder, source: 'dir' as const })));
  }
  if (npmRoots.length > 0) {
    const npm = await findNpmPluginFolders(npmRoots, [...optional]);
    problems.push(...npm.problems);
    candidates.push(...npm.folders.map((folder) => ({ ...folder, source: 'npm' as const })));
  }
  const folders: Candidate[] = [];
  const seenReal = new Set<string>();
  for (const candidate of candidates) {
    const real = await realpath(candidate.dir).catch(() => candidate.dir);
    if (seenReal.has(real)) continue;
    seenReal.add(real);
    folders.push(candidate);
  }

  const loaded = await Promise.all(folders.map((candidate) => load(candidate, parseOptions)));
  const byName = new Map<string, DiscoveredPlugin[]>();
  for (const result of loaded) {
    if ('error' in result) {
      problems.push(result);
      continue;
    }
    const same = byName.get(result.manifest.name) ?? [];
    byName.set(result.manifest.name, [...same, result]);
  }

  const plugins: DiscoveredPlugin[] = [];
  for (const [name, found] of byName) {
    const [only, ...others] = found;
    if (only !== undefined && others.length === 0) plugins.push(only);
    else if (versions && distinctVersions(found)) plugins.push(...found);
    else problems.push(duplicate(name, found));
  }
  plugins.sort(byNameThenVersion);
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
  { dir, source, packageName }: Candidate,
  options: ParseManifestOptions,
): Promise<DiscoveredPlugin | DiscoveryProblem> {
  const origin = packageName === undefined ? { source } : { source, packageName };
  try {
    return { ...(await readManifest(dir, options)), ...origin };
  } catch (error) {
    // readManifest throws only BerthErrors; anything else is a bug that must surface.
    if (!(error instanceof BerthError)) throw error;
    return { dir, error, ...origin };
  }
}

/** True when no two of `found` (one plugin name) share a version. */
export function distinctVersions(found: readonly LoadedManifest[]): boolean {
  return new Set(found.map((plugin) => plugin.manifest.version)).size === found.length;
}

function byNameThenVersion(a: LoadedManifest, b: LoadedManifest): number {
  if (a.manifest.name !== b.manifest.name) return a.manifest.name < b.manifest.name ? -1 : 1;
  return semver.compare(a.manifest.version, b.manifest.version);
}

function duplicate(name: string, found: readonly DiscoveredPlugin[]): DiscoveryProblem {
  const dirs = found.map((plugin) => plugin.dir);
  const listed = `${dirs.slice(0, -1).join(', ')} and ${dirs.at(-1) ?? ''}`;
  const [first] = found;
  return {
    dir: dirs[0] ?? '',
    source: first?.source,
    ...(first?.packageName === undefined ? {} : { packageName: first.packageName }),
    error: new BerthError(
      codes.PLUGIN_DUPLICATE,
      `${dirs.length} plugins are named "${name}": ${listed}; none of them is loaded until ` +
        `all but one are removed or renamed`,
      { plugin: name, data: { plugin: name, dirs } },
    ),
  };
}
