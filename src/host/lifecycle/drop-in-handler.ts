/**
 * What a running host does when its plugin folders change (the events of
 * src/discovery/watch-plugin-dirs.ts):
 *
 *   added    a plugin folder dropped in is taken as if it had been there at start. It
 *            runs when the host says so (`enable` names it, or `autoEnable`), unless the
 *            state file says an operator disabled or removed it. It is started before it
 *            is listed, so one that does not start is a problem and changes nothing else;
 *            one left disabled is listed for an operator to enable. A folder holding
 *            another version of a plugin the host has is a version of it: a newer one is
 *            upgraded to, an older one is kept for `enable name@version`.
 *   changed  the folder of the active version holds another version: it is started
 *            beside the running one and takes over once healthy (upgrade-plugin.ts).
 *   removed  the folder is gone. What runs keeps running (its worker has loaded it), and
 *            the log says so: disable it to stop it; it is not found at the next start.
 *            An inactive version of that folder is forgotten.
 *   problem  a broken folder is reported in problems() and logged; nothing that runs
 *            changes (the watcher never reports a broken folder as removed).
 *
 * Each change to a plugin waits for the operations on it begun before (the lifecycle's
 * lock), so a drop-in never interleaves with an operator's enable or with another upgrade.
 */
import semver from 'semver';
import {
  watchPluginDirs,
  type DiscoveryProblem,
  type DiscoveryResult,
  type PluginDirEvent,
  type PluginDirWatcher,
} from '../../discovery/index.js';
import { BerthError, codes } from '../../errors.js';
import type { LoadedManifest } from '../../manifest/index.js';
import type { ProblemOrigin } from '../host-problems.js';
import type { PluginRecord } from '../plugin-record.js';
import { upgradePlugin, type UpgradeHost } from './upgrade-plugin.js';

/** What the handler needs of its host, beyond an upgrade's needs. */
export interface DropInHost extends UpgradeHost {
  /** Runs `task` as an operation on plugin `name` (PluginLifecycle.exclusive). */
  exclusive<T>(name: string, task: () => Promise<T>): Promise<T>;
  /** Whether the host's options start `name` when it is dropped in (`enable`, `autoEnable`). */
  startsDropIn(name: string): boolean;
  /** Whether the host's `enable` option names `name` (then no state entry is needed to keep it). */
  enableNames(name: string): boolean;
}

/**
 * Makes the listener the host gives its watcher. It rejects only for what the host could
 * not do at all (a state file it cannot write, a host closing); each plugin's failure is
 * reported as described in the module comment instead.
 *
 * (size rule: one closure over the set of folders whose drop-in failed; its parts are the
 * named handlers add, change and remove.)
 */
export function createDropInHandler(host: DropInHost): (event: PluginDirEvent) => Promise<void> {
  // Folders whose drop-in did not start: a new version in one is another try, not an upgrade.
  const failedToStart = new Set<string>();

  const add = async (plugin: LoadedManifest): Promise<void> => {
    const { name } = plugin.manifest;
    const record = host.records.get(name);
    if (record !== undefined) {
      await addVersion(host, record, plugin);
      return;
    }
    const stored = host.store.get(name);
    if (stored?.removed === true) {
      host.log.info(
        { plugin: name, dir: plugin.dir },
        `plugin "${name}" was dropped in, but an operator removed it; install it to take it again`,
      );
      return;
    }
    const next = host.makeRecord(plugin, false);
    next.enabled = stored?.enabled ?? host.startsDropIn(name);
    if (next.enabled) {
      await host.launch(next);
      const { state, lastError } = next.supervisor;
      if (state !== 'running' && state !== 'degraded') {
        await next.supervisor.stop();
        failedToStart.add(plugin.dir);
        report(host, { dir: plugin.dir, error: notStarted(plugin, lastError) }, 'host');
        return;
      }
      if (stored?.enabled !== true && !host.enableNames(name)) {
        // Started by autoEnable: recorded, so the next start takes it whatever `enable` says.
        await host.store.update(name, (current) => ({ ...current, enabled: true }));
      }
    }
    host.records.set(name, next);
    const { version } = plugin.manifest;
    const payload = { plugin: name, version, dir: plugin.dir, enabled: next.enabled };
    host.log.info(payload, 'plugin:installed');
    host.emit('plugin:installed', payload);
  };

  const change = async (plugin: LoadedManifest, previous: LoadedManifest): Promise<void> => {
    const { name } = plugin.manifest;
    const record = host.records.get(name);
    if (record === undefined) {
      if (failedToStart.delete(plugin.dir)) await add(plugin);
      return; // a plugin this host does not run (its `enable` left it out at start)
    }
    if (record.loaded.dir === plugin.dir) {
      await upgradePlugin(host, record, plugin);
      return;
    }
    // An inactive version's folder now holds another version.
    if (record.versions.get(previous.manifest.version)?.dir === plugin.dir) {
      record.versions.delete(previous.manifest.version);
    }
    await addVersion(host, record, plugin);
  };

  const remove = (plugin: LoadedManifest): void => {
    const { name, version } = plugin.manifest;
    failedToStart.delete(plugin.dir);
    const record = host.records.get(name);
    if (record === undefined) return;
    if (record.loaded.dir !== plugin.dir) {
      if (record.versions.get(version)?.dir === plugin.dir) record.versions.delete(version);
      return;
    }
    host.log.warn(
      { plugin: name, version, dir: plugin.dir },
      `the folder of plugin "${name}" was removed; an instance of it that runs keeps ` +
        `running until it is disabled (berth plugins disable ${name}); the next start ` +
        `will not find it`,
    );
  };

  return async (event) => {
    if (event.type === 'problem') {
      report(host, event.problem, 'scan');
      return;
    }
    const { plugin } = event;
    host.problems.clear(plugin.dir);
    await host.exclusive(plugin.manifest.name, async () => {
      if (event.type === 'added') await add(plugin);
      else if (event.type === 'changed') await change(plugin, event.previous);
      else remove(plugin);
    });
  };
}

/** Another folder of a plugin the host has: a newer version is upgraded to. */
async function addVersion(
  host: DropInHost,
  record: PluginRecord,
  plugin: LoadedManifest,
): Promise<void> {
  const { name, version } = plugin.manifest;
  const active = record.manifest.version;
  const known = record.versions.get(version);
  if (known !== undefined && known.dir !== plugin.dir) {
    // One version in two places (say, installed from elsewhere and dropped in): keep the one taken.
    host.log.warn(
      { plugin: name, version, dir: plugin.dir, kept: known.dir },
      `${name}@${version} was dropped into ${plugin.dir}, but that version is already ` +
        `taken from ${known.dir}; remove one of them`,
    );
    return;
  }
  if (known !== undefined) return;
  if (semver.gt(version, active)) {
    await upgradePlugin(host, record, plugin);
    return;
  }
  record.versions.set(version, plugin);
  host.log.info(
    { plugin: name, version, active, dir: plugin.dir },
    `${name}@${version} was dropped in beside the active ${active}; ` +
      `enable ${name}@${version} to run it`,
  );
}

function report(host: DropInHost, problem: DiscoveryProblem, origin: ProblemOrigin): void {
  if (!host.problems.add(problem, origin)) return;
  const { dir, error } = problem;
  host.log.warn({ dir, code: error.code, err: error }, `plugin skipped: ${error.message}`);
}

function notStarted(plugin: LoadedManifest, cause: BerthError | undefined): BerthError {
  const { name, version } = plugin.manifest;
  return new BerthError(
    cause?.code ?? codes.START_FAILED,
    `${name}@${version}, dropped into ${plugin.dir}, did not start` +
      (cause === undefined ? '' : `: ${cause.message}`) +
      '; nothing else changed. Fix it, then give it a new version or remove the folder ' +
      'and drop it in again',
    { plugin: name, cause, data: { dir: plugin.dir, version } },
  );
}

/** Where {@link watchDropIns} watches, and how it scans. */
export interface DropInWatch {
  pluginDirs: readonly string[];
  /** What the host found at start: changes are told against it. */
  baseline: DiscoveryResult;
  /** Scans the plugin folders and npm roots, as the host does at start. */
  find(): Promise<DiscoveryResult>;
}

/**
 * Watches the host's plugin folders and hands each change to a drop-in handler. A change
 * that could not be taken is logged (unless the host is closing) and tried at the next.
 */
export function watchDropIns(host: DropInHost, watch: DropInWatch): PluginDirWatcher {
  return watchPluginDirs([...watch.pluginDirs], {
    baseline: watch.baseline,
    discover: async () => {
      const found = await watch.find();
      host.problems.settle(found.problems);
      return found;
    },
    onEvent: createDropInHandler(host),
    onError: (error) => {
      if (host.signal.aborted) return;
      host.log.warn({ err: error }, 'watching the plugin folders: a change was not taken');
    },
  });
}
