/**
 * The plugin folders of `berth serve`, `berth demo` and `berth plugins list`: the plugins
 * that ship with Berth (its package's `plugins` folder, found from the installed package,
 * not the working directory), unless `bundledPlugins` is false, and the user's folders
 * added to them: `plugins` from the flags, BERTH_PLUGINS or berth.config.json, else
 * ./plugins when it exists.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUNDLED_PLUGINS_DIR, discoverPlugins, type ServiceConfig } from '../index.js';

/** The folders to look for plugins in, and which of them is the bundled one. */
export interface PluginFolders {
  /** Absolute and without duplicates: the bundled folder first, then the user's in order. */
  dirs: string[];
  /** The bundled plugins folder, when it is among `dirs`. */
  bundled: string | undefined;
}

/**
 * The plugin folders `config` names (see the module comment). A folder given twice, or
 * by two paths to one place (a symlinked node_modules), counts once.
 */
export function pluginFolders(
  config: Pick<ServiceConfig, 'plugins' | 'bundledPlugins'>,
  cwd = process.cwd(),
): PluginFolders {
  const defaultDir = resolve(cwd, 'plugins');
  const user = config.plugins ?? (existsSync(defaultDir) ? [defaultDir] : []);
  const bundled =
    config.bundledPlugins && existsSync(BUNDLED_PLUGINS_DIR) ? BUNDLED_PLUGINS_DIR : undefined;
  const dirs = new Map<string, string>();
  for (const dir of [...(bundled === undefined ? [] : [bundled]), ...user]) {
    const absolute = resolve(cwd, dir);
    const key = realPath(absolute);
    if (!dirs.has(key)) dirs.set(key, absolute);
  }
  return { dirs: [...dirs.values()], bundled };
}

/**
 * The plugins of the bundled folder that are taken disabled: all but the storage plugin,
 * so `berth serve` does not start three storage backends to use one. Listed, they can
 * be enabled by name.
 */
export async function bundledToDisable(
  folders: PluginFolders,
  storageName: string,
): Promise<string[]> {
  if (folders.bundled === undefined) return [];
  const { plugins } = await discoverPlugins([folders.bundled]);
  return plugins.map((p) => p.manifest.name).filter((name) => name !== storageName);
}

function realPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir; // a folder that does not exist is reported by discovery, under its name
  }
}
