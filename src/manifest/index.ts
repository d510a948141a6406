/**
 * The plugin manifest: its schema, pure validation (`parseManifest`), the engine-range
 * check, and reading one from a plugin folder (`readManifest`). Nothing here loads
 * plugin code.
 */
export { ISOLATIONS } from './manifest.js';
export type {
  Isolation,
  PluginManifest,
  ProcessLimits,
  ResourceLimits,
  ServiceManifest,
} from './manifest.js';
export { parseManifest } from './parse-manifest.js';
export { CONTRACT, PLUGIN_NAME, SERVICE_NAME } from './manifest-schema.js';
export type { ParseManifestOptions } from './parse-manifest.js';
export { checkEngineRange, checkHostVersion, isEngineRange } from './engine-range.js';
export { checkContainedPath, isInsideDir } from './contained-path.js';
export type { PathEscape } from './contained-path.js';
export { MANIFEST_FILE, readManifest } from './read-manifest.js';
export type { LoadedManifest } from './read-manifest.js';
export type { ManifestProblem } from './problem-list.js';
