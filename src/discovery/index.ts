/**
 * Plugin discovery: which directories to search (`resolvePluginDirs`), the plugins found
 * in them and in npm packages (`discoverPlugins`), and a watcher that reports plugins
 * dropped in, upgraded, removed or broken while the host runs (`watchPluginDirs`).
 * Discovery reads manifests only; it never loads plugin code.
 */
export { DEFAULT_PLUGIN_DIR, resolvePluginDirs } from './plugin-dirs.js';
export type { PluginDirSources } from './plugin-dirs.js';
export { discoverPlugins, distinctVersions } from './discover-plugins.js';
export type { DiscoverOptions } from './discover-plugins.js';
export type {
  DiscoveredPlugin,
  DiscoveryProblem,
  DiscoveryResult,
  PluginSource,
} from './discovery-result.js';
export { findNpmPluginFolders } from './find-npm-plugin-folders.js';
export type { NpmPluginFolder, NpmPluginFolders } from './find-npm-plugin-folders.js';
export { createDiffState, diffDiscovery } from './diff-discovery.js';
export type {
  DiffOutcome,
  DiffState,
  DiscoveryScan,
  PluginDirEvent,
  ScanSnapshot,
} from './diff-discovery.js';
export { watchPluginDirs } from './watch-plugin-dirs.js';
export type { PluginDirWatcher, WatchPluginDirsOptions } from './watch-plugin-dirs.js';
export type { LoadedManifest } from '../manifest/read-manifest.js';
