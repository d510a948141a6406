/**
 * What the host knows about one plugin, and its public summary.
 */
import type { BerthError } from '../errors.js';
import type { PluginManifest } from '../manifest/index.js';
import type { PluginRuntime } from '../isolation/runtime.js';

/**
 * Lifecycle states (DESIGN.md section 4). The foundation uses installed, starting,
 * running, stopping, stopped, crashed and failed; the supervisor adds the rest.
 */
export type PluginState =
  | 'installed'
  | 'starting'
  | 'running'
  | 'degraded'
  | 'stopping'
  | 'stopped'
  | 'crashed'
  | 'backoff'
  | 'failed';

/** The host's own bookkeeping for one plugin. */
export interface PluginRecord {
  manifest: PluginManifest;
  dir: string;
  mainPath: string;
  dataDir: string;
  isolation: 'inline' | 'thread';
  state: PluginState;
  runtime: PluginRuntime | undefined;
  /** Methods per service, known once running. */
  methods: Record<string, string[]>;
  lastError: BerthError | undefined;
  startedAt: number | undefined;
}

/** A plugin as `host.plugins()` reports it. */
export interface PluginInfo {
  name: string;
  version: string;
  description: string;
  dir: string;
  state: PluginState;
  isolation: 'inline' | 'thread';
  services: { name: string; contract: string; methods: string[] }[];
  lastError?: { code: string; message: string };
}

/** The public summary of a record: plain data, safe to serialise. */
export function describePlugin(record: PluginRecord): PluginInfo {
  const { manifest } = record;
  const info: PluginInfo = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    dir: record.dir,
    state: record.state,
    isolation: record.isolation,
    services: manifest.services.map((service) => ({
      name: service.name,
      contract: service.contract,
      methods: record.methods[service.name] ?? [],
    })),
  };
  if (record.lastError !== undefined) {
    info.lastError = { code: record.lastError.code, message: record.lastError.message };
  }
  return info;
}
