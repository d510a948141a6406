/**
 * Which plugin answers a call to a service name: `plugin/service` names one; a bare
 * `service` must be provided by one plugin only. Disabled plugins do not compete with
 * enabled ones, so installing a second plugin with a `storage` service, disabled, does
 * not make `host.service('storage')` ambiguous.
 *
 * A proxy resolves its name once per generation of the host's records
 * (`createServiceResolver`), not once per call: the scan over the records runs only after
 * a plugin was registered, replaced or removed, or enabled or disabled.
 */
import { BerthError, codes } from '../errors.js';
import type { PluginRecord } from './plugin-record.js';
import type { PluginRecords } from './plugin-records.js';

/** Which record answers a name, and the service it is within that plugin. */
export interface ResolvedService {
  record: PluginRecord;
  service: string;
}

/**
 * Resolves `name` like {@link resolveService}, reusing the last answer until
 * `records.generation` moves. Errors are not kept: a name that does not resolve is looked
 * up again at the next call. `started` is read only when a lookup runs.
 */
export function createServiceResolver(
  records: PluginRecords,
  name: string,
  started: () => boolean,
): () => ResolvedService {
  let generation = -1;
  let resolved: ResolvedService | undefined;
  return () => {
    if (resolved === undefined || generation !== records.generation) {
      resolved = undefined;
      const at = records.generation;
      resolved = resolveService(records, name, started());
      generation = at;
    }
    return resolved;
  };
}

/**
 * The record and service that `name` designates among `records`. Throws
 * BERTH_ERR_PLUGIN_NOT_FOUND, BERTH_ERR_SERVICE_NOT_FOUND (with a hint to start the host
 * when it has not `started`) or BERTH_ERR_SERVICE_AMBIGUOUS listing the qualified names.
 */
export function resolveService(
  records: ReadonlyMap<string, PluginRecord>,
  name: string,
  started: boolean,
): ResolvedService {
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const plugin = name.slice(0, slash);
    const service = name.slice(slash + 1);
    const record = records.get(plugin);
    if (record === undefined) {
      throw new BerthError(
        codes.PLUGIN_NOT_FOUND,
        `no plugin named "${plugin}" (asked for "${name}")`,
        { plugin },
      );
    }
    if (!record.manifest.services.some((s) => s.name === service)) {
      throw new BerthError(
        codes.SERVICE_NOT_FOUND,
        `plugin "${plugin}" has no service "${service}"`,
        { plugin, service },
      );
    }
    return { record, service };
  }
  const all = [...records.values()].filter((r) => r.manifest.services.some((s) => s.name === name));
  const enabled = all.filter((r) => r.enabled);
  const providers = enabled.length > 0 ? enabled : all;
  const [only, ...others] = providers;
  if (only === undefined) {
    throw new BerthError(
      codes.SERVICE_NOT_FOUND,
      `no plugin provides a service "${name}"` + (started ? '' : '; call host.start() first'),
      { service: name },
    );
  }
  if (others.length > 0) {
    const names = providers.map((r) => `${r.manifest.name}/${name}`);
    throw new BerthError(
      codes.SERVICE_AMBIGUOUS,
      `several plugins provide "${name}"; name one of: ${names.join(', ')}`,
      { service: name, data: { candidates: names } },
    );
  }
  return { record: only, service: name };
}
