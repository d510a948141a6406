/**
 * Which plugins a starting host takes, from what it found in the plugin dirs and what
 * its state file remembers:
 *
 * - a plugin found in the plugin dirs needs no install: it is taken, enabled, unless the
 *   `enable` host option leaves it out, the `disable` option takes it disabled, or the
 *   state file says otherwise (an operator disabled or removed it, or made another
 *   installed version active). One the state
 *   file records enabled (an operator enabled it, or it was dropped in and started while
 *   the host ran: drop-in-handler.ts) is taken even when `enable` leaves it out. Of
 *   several versions found in folders of their own, the newest runs unless the state
 *   file names another active;
 * - a plugin an operator installed (`host.install`) is taken from the folders it was
 *   installed from, whatever `enable` says, and is enabled only if the operator enabled
 *   it. Each such folder is read again, so `engines.berth` is checked at every load.
 */
import semver from 'semver';
import type { Logger } from 'pino';
import type { DiscoveryProblem } from '../discovery/index.js';
import { BerthError, codes } from '../errors.js';
import { readManifest, type LoadedManifest } from '../manifest/index.js';
import type { StateStore } from './lifecycle/state-store.js';

/** One plugin the host takes. */
export interface CollectedPlugin {
  /** Every version it can run, by version. */
  versions: Map<string, LoadedManifest>;
  /** The version to run. */
  active: LoadedManifest;
  enabled: boolean;
  /** Why it is not enabled: an operator disabled it, or the `disable` option names it. */
  disabledBy?: 'operator' | 'option';
}

/**
 * The plugins to take (see the module comment), sorted by name, and the installed
 * folders that could not be read (each a problem, as a broken found plugin is).
 */
export async function collectPlugins(
  found: readonly LoadedManifest[],
  store: StateStore,
  { enable, disable }: { enable: readonly string[] | undefined; disable: readonly string[] },
  log: Logger,
): Promise<{ plugins: CollectedPlugin[]; problems: DiscoveryProblem[] }> {
  const { versionsByName, problems } = await readInstalled(store);
  const foundByName = new Map<string, LoadedManifest>();

  for (const loaded of found) {
    const { name } = loaded.manifest;
    if (store.get(name)?.removed === true) {
      log.info(
        { plugin: name, dir: loaded.dir },
        `plugin "${name}" is not taken: an operator removed it`,
      );
      continue;
    }
    const installed = versionsByName.has(name);
    const operatorChose = installed || store.get(name)?.enabled === true;
    if (enable !== undefined && !enable.includes(name) && !operatorChose) {
      log.info(
        { plugin: name },
        `plugin "${name}" is not taken: the host's enable option leaves it out`,
      );
      continue;
    }
    // A version both installed and found is run from the plugin dirs, which are current.
    addVersion(versionsByName, loaded);
    // Of several versions found (in folders of their own), the newest runs by default.
    const other = foundByName.get(name);
    if (other === undefined || semver.gt(loaded.manifest.version, other.manifest.version)) {
      foundByName.set(name, loaded);
    }
  }

  const plugins: CollectedPlugin[] = [];
  for (const [name, versions] of [...versionsByName].sort(([a], [b]) => a.localeCompare(b))) {
    const stored = store.get(name);
    const chosen = stored?.active === undefined ? undefined : versions.get(stored.active);
    const newest = [...versions.values()].sort((a, b) =>
      semver.compare(b.manifest.version, a.manifest.version),
    )[0];
    const active = chosen ?? foundByName.get(name) ?? newest;
    if (active === undefined) continue;
    if (stored?.active !== undefined && chosen === undefined) {
      log.warn(
        { plugin: name, wanted: stored.active, running: active.manifest.version },
        `the active version ${name}@${stored.active} cannot be loaded; taking ${active.manifest.version}`,
      );
    }
    const enabled = stored?.enabled ?? !disable.includes(name);
    const disabledBy = stored?.enabled === false ? 'operator' : 'option';
    plugins.push({ versions, active, enabled, ...(enabled ? {} : { disabledBy }) });
  }
  return { plugins, problems };
}

/**
 * The versions operators installed (`host.install`), by name, each read again from the
 * folder it was installed from; a folder that cannot be read, or now holds another
 * plugin, is a problem.
 */
async function readInstalled(store: StateStore): Promise<{
  versionsByName: Map<string, Map<string, LoadedManifest>>;
  problems: DiscoveryProblem[];
}> {
  const versionsByName = new Map<string, Map<string, LoadedManifest>>();
  const problems: DiscoveryProblem[] = [];
  for (const name of store.names()) {
    const stored = store.get(name);
    if (stored === undefined || stored.removed === true) continue;
    for (const { version, dir } of stored.installed) {
      try {
        const loaded = await readManifest(dir);
        if (loaded.manifest.name !== name) {
          throw new BerthError(
            codes.PLUGIN_NOT_FOUND,
            `${name}@${version} was installed from ${dir}, which now holds the plugin ` +
              `"${loaded.manifest.name}"; install ${name} again, or remove ${name}@${version}`,
            { plugin: name, data: { dir, version } },
          );
        }
        addVersion(versionsByName, loaded);
      } catch (error) {
        problems.push({ dir, error: error as BerthError });
      }
    }
  }
  return { versionsByName, problems };
}

function addVersion(
  versionsByName: Map<string, Map<string, LoadedManifest>>,
  loaded: LoadedManifest,
): void {
  const { name, version } = loaded.manifest;
  const versions = versionsByName.get(name) ?? new Map<string, LoadedManifest>();
  versionsByName.set(name, versions.set(version, loaded));
}

/** Warns of each plugin the `enable` option names that no plugin folder holds. */
export function warnEnabledNotFound(
  found: readonly LoadedManifest[],
  enable: readonly string[] | undefined,
  pluginDirs: readonly string[],
  log: Logger,
): void {
  for (const name of enable ?? []) {
    if (!found.some((p) => p.manifest.name === name)) {
      log.warn({ plugin: name, pluginDirs }, `plugin "${name}" is enabled but was not found`);
    }
  }
}

/**
 * Logs what start found and what it starts, by name, and why each plugin taken but not
 * started is not (a found plugin that is not taken at all, being broken, removed or left
 * out by `enable`, is logged where that is decided).
 */
export function logCollected(
  log: Logger,
  pluginDirs: readonly string[],
  found: readonly LoadedManifest[],
  plugins: readonly CollectedPlugin[],
): void {
  const names = [...new Set(found.map((p) => p.manifest.name))];
  const starting = plugins.filter((p) => p.enabled).map((p) => p.active.manifest.name);
  log.info(
    { pluginDirs, found: names, starting },
    `found ${names.length} plugin(s), starting ${starting.length}` +
      (starting.length > 0 ? `: ${starting.join(', ')}` : ''),
  );
  for (const { active, disabledBy } of plugins) {
    const { name } = active.manifest;
    if (disabledBy === undefined) continue;
    const why =
      disabledBy === 'operator'
        ? 'the state file keeps it disabled (an operator disabled it, or installed it and has not enabled it)'
        : 'it is disabled by default';
    log.info(
      { plugin: name, disabledBy },
      `plugin "${name}" is listed but not started: ${why}; berth plugins enable ${name} (or host.enable) starts it`,
    );
  }
}
