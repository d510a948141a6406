/** The service: the HTTP resource and metadata store over a storage plugin. */
export { startService } from './start-service.js';
export type { RunningService } from './start-service.js';
export { pluginFolders } from './plugin-folders.js';
export type { PluginFolders } from './plugin-folders.js';
// Berth's one config lives in src/config; the service's callers import it from here too.
export { DEFAULT_SERVICE_CONFIG, loadServiceConfig } from '../index.js';
export type { ServiceConfig, ServiceFlags } from '../index.js';
export { readTokenIfAny, TOKEN_FILE } from './token-file.js';
export { isLoopback } from './loopback.js';
