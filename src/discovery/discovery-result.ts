/**
 * What discovery reports: the plugins it found, where each came from, and the folders
 * it had to skip. Plugins from a plugins directory and from npm packages share one shape,
 * so everything downstream (the host, the watcher) treats them alike.
 */
import type { BerthError } from '../errors.js';
import type { LoadedManifest } from '../manifest/read-manifest.js';

/** Where a plugin was found: a folder in a plugins directory, or an installed npm package. */
export type PluginSource = 'dir' | 'npm';

/** A plugin discovery found: its validated manifest, and where it came from. */
export interface DiscoveredPlugin extends LoadedManifest {
  /** Always set by discovery; absent only on manifests read by other means. */
  source?: PluginSource | undefined;
  /** The npm package that declares the plugin (`@scope/name` included); npm plugins only. */
  packageName?: string | undefined;
}

/** A folder that was skipped, and why. */
export interface DiscoveryProblem {
  /**
   * The plugin folder (the package folder for an npm package), or the plugin directory or
   * npm root itself when that could not be read.
   */
  dir: string;
  error: BerthError;
  /** Where the broken plugin was met; discovery always sets it. */
  source?: PluginSource | undefined;
  /** The npm package at fault, when there is one. */
  packageName?: string | undefined;
}

/** What discovery found. Both lists are fresh arrays the caller may change. */
export interface DiscoveryResult {
  /**
   * Valid plugins, sorted by name, then version: one per name, unless discovery was
   * asked to keep several `versions` of a plugin found in several folders.
   */
  plugins: DiscoveredPlugin[];
  /** Skipped folders in the order met, then one entry per duplicated name. */
  problems: DiscoveryProblem[];
}
