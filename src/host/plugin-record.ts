/**
 * What the host knows about one plugin, and its public summary.
 */
import type { PluginManifest } from '../manifest/index.js';
import type { PluginState, Supervisor } from '../supervisor/supervisor.js';

export type { PluginState };

/** The host's own bookkeeping for one plugin. */
export interface PluginRecord {
  manifest: PluginManifest;
  dir: string;
  mainPath: string;
  dataDir: string;
  isolation: 'inline' | 'thread';
  supervisor: Supervisor;
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
  /** Restarts since the host started it (crashes, hangs, failed health checks, operator restarts). */
  restarts: number;
  /** Milliseconds since the current instance started; 0 when it is not running. */
  uptimeMs: number;
  inFlight: number;
  lastError?: { code: string; message: string };
}

/** The public summary of a record: plain data, safe to serialise. */
export function describePlugin(record: PluginRecord): PluginInfo {
  const { manifest, supervisor } = record;
  const up = supervisor.state === 'running' || supervisor.state === 'degraded';
  const info: PluginInfo = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    dir: record.dir,
    state: supervisor.state,
    isolation: record.isolation,
    services: manifest.services.map((service) => ({
      name: service.name,
      contract: service.contract,
      methods: supervisor.methods[service.name] ?? [],
    })),
    restarts: supervisor.restarts,
    uptimeMs: up && supervisor.startedAt !== undefined ? Date.now() - supervisor.startedAt : 0,
    inFlight: supervisor.inFlight,
  };
  if (supervisor.lastError !== undefined) {
    info.lastError = { code: supervisor.lastError.code, message: supervisor.lastError.message };
  }
  return info;
}
