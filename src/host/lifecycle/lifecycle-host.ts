/**
 * What the plugin lifecycle needs of its host, and how it finds what an operator names.
 * The host hands the lifecycle these few capabilities rather than itself, so what the
 * lifecycle may do to a host is spelled out here.
 */
import type { Logger } from 'pino';
import { BerthError, codes } from '../../errors.js';
import type { LoadedManifest } from '../../manifest/index.js';
import type { StateStore } from './state-store.js';
import type { PluginRecord } from '../plugin-record.js';

/** What the lifecycle needs of its host. */
export interface LifecycleHost {
  readonly records: Map<string, PluginRecord>;
  readonly store: StateStore;
  readonly log: Logger;
  /** A record for `loaded` with a fresh supervisor, not started and not registered. */
  makeRecord(loaded: LoadedManifest, trial: boolean): PluginRecord;
  /** Starts a record; afterwards its supervisor's state and lastError say how it went. */
  launch(record: PluginRecord): Promise<void>;
  /** The config `service` would run with, given these overrides; throws CONFIG_INVALID. */
  configOf(
    loaded: LoadedManifest,
    service: string,
    overrides: Record<string, unknown> | undefined,
  ): Record<string, unknown>;
  /** Runs the plugin's migrations down (its instance must be stopped). */
  migrateDown(record: PluginRecord): Promise<void>;
  emit(event: string, payload: { plugin: string; [key: string]: unknown }): void;
  /** Throws BERTH_ERR_HOST_CLOSED once the host is closing. */
  assertOpen(): void;
}

/** The record of `name`, or BERTH_ERR_PLUGIN_NOT_FOUND saying to install it. */
export function findRecord(host: LifecycleHost, name: string): PluginRecord {
  const record = host.records.get(name);
  if (record !== undefined) return record;
  throw new BerthError(
    codes.PLUGIN_NOT_FOUND,
    `no plugin named "${name}"; install it first (berth plugins install DIR)`,
    { plugin: name },
  );
}

/** One installed version of a plugin, or BERTH_ERR_PLUGIN_NOT_FOUND listing those there are. */
export function findVersion(record: PluginRecord, version: string): LoadedManifest {
  const loaded = record.versions.get(version);
  if (loaded !== undefined) return loaded;
  const { name } = record.manifest;
  throw new BerthError(
    codes.PLUGIN_NOT_FOUND,
    `${name}@${version} is not installed (installed: ${[...record.versions.keys()].join(', ')}); ` +
      `install it first (berth plugins install DIR)`,
    { plugin: name, data: { version } },
  );
}
