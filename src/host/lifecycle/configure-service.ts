/**
 * A live config change of one service, the lifecycle's `configure`:
 *
 *   patch ─▶ merged over the operator's overrides ─▶ manifest defaults, host config,
 *   overrides ─▶ configSchema ─▶ onConfigValidate ─▶ onConfigChange ─▶ recorded
 *
 * Recording comes last, once the plugin has accepted the change, so a refused change
 * leaves both the running config and the recorded one as they were, and an accepted one
 * is what every later start (a crash, a host restart) runs with.
 */
import { BerthError, codes } from '../../errors.js';
import { nextOverrides } from '../../config/config-patch.js';
import type { LifecycleHost } from './lifecycle-host.js';
import type { PluginRecord } from '../plugin-record.js';
import { isPlainObject } from '../../plain-object.js';

/** The outcome of a config change. */
export interface ConfigChange {
  plugin: string;
  service: string;
  /** The whole config in force now (or at the next start, when `live` is false). */
  config: Record<string, unknown>;
  /** True when the running instance accepted it; false when none runs. */
  live: boolean;
}

/** Options of a config change. */
export interface ConfigureOptions {
  /** Replace the recorded overrides with the patch instead of merging it over them. */
  replace?: boolean;
}

/**
 * Changes the config of `service` of `record`: `patch` is merged over the operator's
 * recorded overrides (a JSON merge patch: `null` removes a key), or replaces them with
 * `replace`. The result is checked against the service's configSchema, then handed to
 * the running instance (onConfigValidate, then onConfigChange, no restart), and only
 * once accepted is it recorded. A refusal (BERTH_ERR_CONFIG_INVALID) leaves the old
 * config in force and recorded. With no instance running, the checked config is recorded
 * for the next start. The caller serialises changes per plugin.
 */
export async function configureService(
  host: LifecycleHost,
  record: PluginRecord,
  service: string,
  patch: Record<string, unknown>,
  options: ConfigureOptions = {},
): Promise<ConfigChange> {
  const name = record.manifest.name;
  if (!isPlainObject(patch)) {
    throw new BerthError(codes.INVALID_ARGUMENT, 'a config change must be a JSON object', {
      plugin: name,
      service,
    });
  }
  if (!record.manifest.services.some((s) => s.name === service)) {
    throw new BerthError(
      codes.SERVICE_NOT_FOUND,
      `plugin "${name}" has no service "${service}"; it has: ${record.manifest.serviceOrder.join(', ')}`,
      { plugin: name, service },
    );
  }
  const current = host.store.get(name)?.config[service] ?? {};
  const overrides = nextOverrides(current, patch, options.replace === true);
  const config = host.configOf(record.loaded, service, overrides);
  const live = record.enabled ? await record.supervisor.configure(service, config) : false;
  await host.store.update(name, (stored) => ({
    ...stored,
    config: { ...stored.config, [service]: overrides },
  }));
  host.emit('plugin:configured', { plugin: name, service, live });
  return { plugin: name, service, config, live };
}
