/** The service: the HTTP resource and metadata store over a storage plugin. */
export { startService } from './start-service.js';
export type { RunningService } from './start-service.js';
export { DEFAULT_SERVICE_CONFIG, loadServiceConfig } from './service-config.js';
export type { ServiceConfig, ServiceFlags } from './service-config.js';
export { readTokenIfAny, TOKEN_FILE } from './token-file.js';
