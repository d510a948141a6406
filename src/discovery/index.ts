/**
 * Plugin discovery: which directories to search (`resolvePluginDirs`) and the plugins
 * found in them (`discoverPlugins`). Discovery reads manifests only; it never loads
 * plugin code.
 */
export { DEFAULT_PLUGIN_DIR, resolvePluginDirs } from './plugin-dirs.js';
export type { PluginDirSources } from './plugin-dirs.js';
export { discoverPlugins } from './discover-plugins.js';
export type { DiscoverOptions, DiscoveryProblem, DiscoveryResult } from './discover-plugins.js';
export type { LoadedManifest } from '../manifest/read-manifest.js';
