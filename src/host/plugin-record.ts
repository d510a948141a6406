/**
 * What the host knows about one plugin, and its public summary.
 */
import semver from 'semver';
import type { BerthError } from '../errors.js';
import type { PluginLogs } from '../isolation/plugin-logs.js';
import type { RuntimeSpec } from '../isolation/runtime.js';
import type { LoadedManifest, PluginManifest } from '../manifest/index.js';
import type { PluginState, Supervisor } from '../supervisor/supervisor.js';
import type { Router } from '../upgrade/create-router.js';
import type { SupervisedInstance } from '../upgrade/supervised-instance.js';

export type { PluginState };

/** The host's own bookkeeping for one plugin. */
export interface PluginRecord {
  manifest: PluginManifest;
  dir: string;
  mainPath: string;
  dataDir: string;
  isolation: 'inline' | 'thread' | 'pool' | 'process';
  supervisor: Supervisor;
  /**
   * What calls go through: it holds the instance serving now (this record's supervisor,
   * except for the moment an upgrade switches it to the next record's), so a swap of
   * versions moves new calls at once and lets the old instance drain its own.
   */
  router: Router<SupervisedInstance>;
  /** The active version's manifest and paths (the one the supervisor runs). */
  loaded: LoadedManifest;
  /**
   * Whether it should run: the operator's enable or disable, remembered across restarts.
   * Setting it tells the host's records (PluginRecords.touch), since it decides which
   * plugin a bare service name resolves to.
   */
  enabled: boolean;
  /** Every version the host can run, by version, the active one included. */
  versions: Map<string, LoadedManifest>;
  /** The plugin's log intake: what its workers log, and what was dropped. */
  logs: PluginLogs;
  /** What a runtime of the active version is made from (read anew at each call). */
  runtimeSpec(onExit: (error: BerthError) => void): RuntimeSpec;
}

/** A plugin as `host.plugins()` reports it. */
export interface PluginInfo {
  name: string;
  version: string;
  description: string;
  dir: string;
  state: PluginState;
  isolation: 'inline' | 'thread' | 'pool' | 'process';
  /** Whether it is enabled: a disabled plugin stays installed but runs no instance. */
  enabled: boolean;
  /** The versions installed (or found), oldest first; `version` is the active one. */
  versions: string[];
  services: { name: string; contract: string; methods: string[] }[];
  /** Restarts since the host started it (crashes, hangs, failed health checks, operator restarts). */
  restarts: number;
  /** Milliseconds since the current instance started; 0 when it is not running. */
  uptimeMs: number;
  inFlight: number;
  /**
   * Running, and able to serve: false while its last health check or a call said that
   * what it depends on (a database) is unreachable (BERTH_ERR_BACKEND_UNAVAILABLE).
   */
  ready: boolean;
  /** Log lines of the plugin dropped for going over the host's `logLimits`. */
  logLinesDropped: number;
  /** The result arena of thread isolation: bytes held by unreleased zero-copy results, and its size. */
  arena?: { bytesInUse: number; capacity: number };
  /** Process isolation: the plugin process's id, resident memory and CPU time (read every 100 ms). */
  process?: { pid: number; residentBytes: number; cpuSeconds: number };
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
    enabled: record.enabled,
    versions: [...record.versions.keys()].sort(semver.compare),
    services: manifest.services.map((service) => ({
      name: service.name,
      contract: service.contract,
      methods: supervisor.methods[service.name] ?? [],
    })),
    restarts: supervisor.restarts,
    uptimeMs: up && supervisor.startedAt !== undefined ? Date.now() - supervisor.startedAt : 0,
    inFlight: supervisor.inFlight,
    ready: up && supervisor.ready,
    logLinesDropped: record.logs.dropped,
  };
  const plane = supervisor.dataPlane;
  if (plane !== undefined) {
    info.arena = { bytesInUse: plane.arenaBytesInUse, capacity: plane.arenaCapacity };
  }
  const running = supervisor.process;
  if (running !== undefined) info.process = { ...running };
  if (supervisor.lastError !== undefined) {
    info.lastError = { code: supervisor.lastError.code, message: supervisor.lastError.message };
  }
  return info;
}
