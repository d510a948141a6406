/**
 * `berth`: the public API of the host. The CLI and the service use the host through this
 * module only, as any application would.
 */
export { createHost, PluginHost } from './host/plugin-host.js';
export type { ServiceOptions } from './host/service-proxy.js';
export type { ConfigChange, ConfigureOptions } from './host/lifecycle/plugin-lifecycle.js';
export type { HostOptions } from './host/host-options.js';
export type { PluginConfigs } from './config/resolve-service-config.js';
export type { PluginInfo, PluginState } from './host/plugin-record.js';
export { PLUGIN_STATES } from './supervisor/plugin-states.js';
export type { LeasedRemote, Remote } from './host/remote.js';
export { Lease } from './transport/lease.js';
export type { DataPlaneOptions } from './host/host-options.js';
export { createLogger } from './host/create-logger.js';
export type { LoggerOptions } from './host/create-logger.js';
export type { Logger, LevelWithSilent } from 'pino';
export { BerthError, codes, isBerthError } from './errors.js';
export type { BerthErrorCode, ErrorSite } from './errors.js';
export { BERTH_VERSION, BUNDLED_PLUGINS_DIR } from './version.js';
export { parseManifest, readManifest } from './manifest/index.js';
export {
  DEFAULT_SERVICE_CONFIG,
  forcedIsolation,
  loadServiceConfig,
} from './config/service-config.js';
export type { ServiceConfig, ServiceFlags } from './config/service-config.js';
export { CONFIG_FILE } from './config/berth-config-schema.js';
export type {
  Isolation,
  PluginManifest,
  ServiceManifest,
  ResourceLimits,
} from './manifest/index.js';
export { discoverPlugins, resolvePluginDirs } from './discovery/index.js';
export type { DiscoveryProblem, DiscoveryResult, LoadedManifest } from './discovery/index.js';
export * from './contracts/index.js';
