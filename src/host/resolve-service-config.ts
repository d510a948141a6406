/**
 * The config one service of a plugin runs with, from its three layers:
 *
 *   manifest defaultConfig  <  host option `config` (berth.json, the service's flags)
 *                           <  operator overrides (host.configure, remembered in the state file)
 *
 * then checked against the service's `configSchema`, whose defaults fill what is missing.
 * The operator's overrides win because they are the most recent decision, made on the
 * running host; a restart must not undo them.
 */
import type { LoadedManifest } from '../manifest/index.js';
import { enforceConfigSchema } from '../lifecycle/validate-config.js';
import type { PluginConfigs } from './host-options.js';
import { mergeConfig } from './merge-config.js';

/**
 * The config of `service` of the plugin `loaded`. Throws BERTH_ERR_CONFIG_INVALID naming
 * every key that fails the service's schema, or BERTH_ERR_MANIFEST_INVALID when the
 * schema itself uses what Berth does not enforce.
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
  return enforceConfigSchema(manifest, loaded.manifestPath, service, merged);
}
