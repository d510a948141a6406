/**
 * The last lifecycle step, remove:
 *
 *   remove name           the plugin must be disabled; its migrations run down in a fresh
 *                         runtime (uninstall-plugin.ts), then its record is deleted
 *   remove name@version   forgets one installed version that is not the active one
 *
 * A plugin the plugin dirs still hold is remembered as removed rather than forgotten, or
 * the next start would take it again; installing it again undoes that. Files the plugin
 * wrote in its data folder stay: its migrations decide what its data becomes.
 */
import { BerthError, codes } from '../../errors.js';
import { findRecord, findVersion, type LifecycleHost } from './lifecycle-host.js';
import type { PluginRecord } from '../plugin-record.js';

/**
 * Removes the plugin `name`, or its installed `version`. Rejects with
 * BERTH_ERR_PLUGIN_ENABLED while the plugin is enabled, BERTH_ERR_INVALID_ARGUMENT for
 * the active version or one that was found rather than installed, BERTH_ERR_PLUGIN_NOT_FOUND
 * for what is not there, or the error of its down migrations (the record then stays).
 * The caller serialises operations per plugin.
 */
export async function removePlugin(
  host: LifecycleHost,
  name: string,
  version: string | undefined,
): Promise<void> {
  if (!host.records.has(name) && host.store.get(name) !== undefined) {
    await forgetUnloadable(host, name, version);
    return;
  }
  const record = findRecord(host, name);
  if (version !== undefined && (version !== record.manifest.version || record.versions.size > 1)) {
    await removeVersion(host, record, version);
    return;
  }
  if (record.enabled) {
    throw new BerthError(
      codes.PLUGIN_ENABLED,
      `plugin "${name}" is enabled; disable it first (berth plugins disable ${name}), then remove it`,
      { plugin: name },
    );
  }
  await record.supervisor.stop();
  await host.migrateDown(record);
  const installed = new Set(host.store.get(name)?.installed.map((v) => v.dir));
  const found = [...record.versions.values()].some((loaded) => !installed.has(loaded.dir));
  await host.store.update(name, () =>
    found ? { installed: [], config: {}, removed: true } : undefined,
  );
  host.records.delete(name);
  host.emit('plugin:removed', { plugin: name });
}

/**
 * Forgets a plugin whose every installed folder failed to load at start (gone, or made
 * for another Berth): without its code, its migrations cannot run down, so only the
 * record goes, and the log says so.
 */
async function forgetUnloadable(
  host: LifecycleHost,
  name: string,
  version: string | undefined,
): Promise<void> {
  await host.store.update(name, (current) => {
    if (version === undefined) return undefined;
    return { ...current, installed: current.installed.filter((v) => v.version !== version) };
  });
  host.log.warn(
    { plugin: name, version },
    `${version === undefined ? name : `${name}@${version}`} could not be loaded, so its ` +
      'migrations were not run down; its record is removed',
  );
  host.emit('plugin:removed', { plugin: name, ...(version === undefined ? {} : { version }) });
}

async function removeVersion(
  host: LifecycleHost,
  record: PluginRecord,
  version: string,
): Promise<void> {
  const { name } = record.manifest;
  const recorded = host.store.get(name)?.installed.some((v) => v.version === version);
  // A version recorded but not loadable (its folder is gone) can only be forgotten.
  const loaded = recorded === true ? record.versions.get(version) : findVersion(record, version);
  if (loaded === record.loaded) {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `${name}@${version} is the active version; enable another one first ` +
        `(berth plugins enable ${name}@VERSION), or remove the whole plugin (${name})`,
      { plugin: name, data: { version } },
    );
  }
  if (recorded !== true) {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `${name}@${version} was not installed but found in ${loaded?.dir ?? 'a plugin dir'}; ` +
        'delete that folder to remove it',
      { plugin: name, data: { version, dir: loaded?.dir } },
    );
  }
  await host.store.update(name, (current) => ({
    ...current,
    installed: current.installed.filter((v) => v.version !== version),
  }));
  record.versions.delete(version);
  host.emit('plugin:removed', { plugin: name, version });
}
