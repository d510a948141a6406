/**
 * The config one service of a plugin runs with, from its three layers:
 *
 *   manifest defaultConfig  <  host option `config` (`config` in berth.config.json,
 *                              `storage.config` for the storage plugin)
 *                           <  operator overrides (host.configure, remembered in the state file)
 *
 * then checked against the service's `configSchema`, whose defaults fill what is missing.
 * The operator's overrides win because they are the most recent decision, made on the
 * running host; a restart must not undo them.
 */
import type { LoadedManifest } from '../manifest/index.js';
import { enforceConfigSchema } from './config-schema.js';
import { mergeConfig } from './deep-merge.js';

/** Config overrides: plugin name -> service name -> config merged over its defaultConfig. */
export type PluginConfigs = Record<string, Record<string, Record<string, unknown>>>;

/**
 * The config of `service` of the plugin `loaded`. Throws BERTH_ERR_CONFIG_INVALID naming
 * every key that fails the service's schema (the schema itself was checked when the
 * manifest was read).
 */
export function resolveServiceConfig(
  loaded: LoadedManifest,
  service: string,
  hostConfig: PluginConfigs,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const { manifest } = loaded;
  const declared = manifest.services.find((s) => s.name === service);
  const merged = mergeConfig(
    mergeConfig(declared?.defaultConfig ?? {}, hostConfig[manifest.name]?.[service]),
    overrides,
  );
  return enforceConfigSchema(manifest, service, merged);
}
