/**
 * Imports a plugin's main module and checks that its default export is a branded
 * `definePlugin(...)` result whose services match the manifest. Used wherever plugin code
 * runs: inside a worker, inline in the host, and in `berth/testing`.
 */
import { pathToFileURL } from 'node:url';
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { isPluginDefinition, type PluginDefinition } from '../sdk/define-plugin.js';
import { loadFailureHint } from './load-failure-hint.js';
import { provideSdk } from './provide-sdk.js';

/**
 * Loads the plugin at `mainPath`. Throws BERTH_ERR_PLUGIN_LOAD if the import fails,
 * BERTH_ERR_PLUGIN_NOT_BRANDED if the default export is not from `definePlugin`, and
 * BERTH_ERR_PLUGIN_SERVICES_MISMATCH if its services differ from `serviceNames`.
 */
export async function loadPlugin(
  plugin: string,
  mainPath: string,
  serviceNames: readonly string[],
): Promise<PluginDefinition> {
  let module: { default?: unknown };
  provideSdk(mainPath);
  try {
    module = (await import(pathToFileURL(mainPath).href)) as { default?: unknown };
  } catch (error) {
    throw new BerthError(
      codes.PLUGIN_LOAD,
      `plugin "${plugin}": cannot import its main module ${mainPath}: ${describeThrown(error)}. ` +
        loadFailureHint(error, mainPath),
      { plugin, cause: error },
    );
  }
  const definition = module.default;
  if (!isPluginDefinition(definition)) {
    throw new BerthError(
      codes.PLUGIN_NOT_BRANDED,
      `plugin "${plugin}": the default export of ${mainPath} is not a plugin definition. ` +
        "Export it as `export default definePlugin({ services: { … } })` from 'berth/sdk'.",
      { plugin },
    );
  }
  const declared = Object.keys(definition.services);
  const missing = serviceNames.filter((name) => !declared.includes(name));
  const extra = declared.filter((name) => !serviceNames.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new BerthError(
      codes.PLUGIN_SERVICES_MISMATCH,
      `plugin "${plugin}": services in plugin.json and in definePlugin() differ` +
        (missing.length > 0 ? `; not defined in code: ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; not declared in plugin.json: ${extra.join(', ')}` : ''),
      { plugin, data: { missing, extra } },
    );
  }
  return definition;
}
