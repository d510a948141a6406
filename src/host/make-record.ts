/**
 * `makeRecord`: what the host builds for one version of one plugin before it runs it: the
 * isolation it runs in, its data folder, a supervisor that makes its runtimes, and the
 * router calls go through (src/upgrade), which an upgrade later points at a new version.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BerthError } from '../errors.js';
import { createBufferShelf } from '../isolation/buffer-shelf.js';
import { createRuntime } from '../isolation/create-runtime.js';
import { pluginEnv } from '../isolation/plugin-env.js';
import { createPluginLogs, type PluginLogs } from '../isolation/plugin-logs.js';
import type { PluginRuntime, RuntimeSpec } from '../isolation/runtime.js';
import type {
  Isolation,
  LoadedManifest,
  ProcessLimits,
  ResourceLimits,
} from '../manifest/index.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { createRouter } from '../upgrade/create-router.js';
import { supervisedInstance } from '../upgrade/supervised-instance.js';
import type { ResolvedHostOptions } from './host-options.js';
import type { PluginRecord } from './plugin-record.js';

/** What a record is made with: the host's options and a few of its capabilities. */
export interface RecordContext {
  readonly options: ResolvedHostOptions;
  readonly log: Logger;
  /** The config of each service of `loaded`, in start order; throws CONFIG_INVALID. */
  serviceConfigs(loaded: LoadedManifest): { name: string; config: Record<string, unknown> }[];
  emit(event: string, payload: { plugin: string; [key: string]: unknown }): void;
  /** Told when a record's `enabled` flag changes (PluginRecords.touch). */
  touch(): void;
}

/**
 * A record of `loaded` with a fresh supervisor and router, enabled, not started and not
 * registered. A `trial` record (install's trial start) runs in a worker thread (in a
 * process, when the plugin is to run in one),
 * and its supervisor's events are not the host's. Setting the record's `enabled` to a
 * new value calls `context.touch()`.
 */
export function makeRecord(
  context: RecordContext,
  loaded: LoadedManifest,
  trial: boolean,
): PluginRecord {
  const { manifest } = loaded;
  const { options } = context;
  // A manifest's services all ask for one isolation (parseManifest refuses a mix); the
  // host's `isolationOf` and `isolation` options override it, and an install's trial start is a thread
  // unless the plugin is to run in a process.
  const declared = manifest.services[0]?.isolation ?? 'thread';
  const chosen: Isolation = options.isolationOf[manifest.name] ?? options.isolation ?? declared;
  // A plugin that is to run in a process is not trusted in a thread, even for a trial.
  const isolation: Isolation = trial && chosen !== 'process' ? 'thread' : chosen;
  const threads = Math.max(1, ...manifest.services.map((s) => s.threads));
  // A pool forced on a plugin that does not declare one gets two threads, so that it is one.
  const pool =
    isolation === 'pool'
      ? { threads: declared === 'pool' ? threads : Math.max(2, threads) }
      : undefined;
  const dataDir = join(options.dataDir, 'plugins', manifest.name);
  // Kept across the plugin's restarts: the log budget carries on.
  const logs = createPluginLogs(manifest.name, context.log, options.logLimits);
  const runtimeSpec = runtimeSpecs(context, loaded, dataDir, logs);
  const makeRuntime = (onExit: (error: BerthError) => void): PluginRuntime => {
    return createRuntime(runtimeSpec(onExit), isolation, pool?.threads);
  };
  const supervisor = new Supervisor({
    manifest,
    makeRuntime,
    logger: context.log,
    restart: options.restart,
    health: options.health,
    maxInFlight: options.maxInFlight,
    callTimeoutMs: options.callTimeoutMs,
    emit: trial ? () => {} : (event, payload) => context.emit(event, payload),
  });
  let enabled = true;
  return {
    manifest,
    dir: loaded.dir,
    mainPath: loaded.mainPath,
    dataDir,
    isolation,
    supervisor,
    router: createRouter(supervisedInstance(supervisor)),
    loaded,
    get enabled() {
      return enabled;
    },
    set enabled(value: boolean) {
      if (value === enabled) return;
      enabled = value;
      context.touch();
    },
    versions: new Map([[manifest.version, loaded]]),
    logs,
    runtimeSpec,
  };
}

/**
 * The spec of each runtime `loaded` gets, given its `onExit`: its boot (read at every
 * start, so a restart runs with the config last accepted) and the limits, buffers and
 * log budget its runtimes share across restarts.
 */
function runtimeSpecs(
  context: RecordContext,
  loaded: LoadedManifest,
  dataDir: string,
  logs: PluginLogs,
): (onExit: (error: BerthError) => void) => RuntimeSpec {
  const { manifest } = loaded;
  const { options } = context;
  // One worker per plugin: its services share the limits; the first service that sets them wins.
  const limits = manifest.services.map((s) => s.resourceLimits).find((l) => l !== undefined);
  // Kept across the plugin's restarts: the buffers are reused.
  const arenaBytes = manifest.arenaBytes ?? options.dataPlane.arenaBytes;
  const buffers = createBufferShelf(arenaBytes);
  const env = pluginEnv(manifest.env);
  return (onExit: (error: BerthError) => void): RuntimeSpec => ({
    boot: {
      name: manifest.name,
      version: manifest.version,
      mainPath: loaded.mainPath,
      dataDir,
      // Read at every (re)start, so a restart runs with the config last accepted.
      services: context.serviceConfigs(loaded),
      migrations: manifest.migrations.map((m) => join(loaded.dir, m.replaceAll('\\', '/'))),
    },
    logger: context.log,
    resourceLimits: workerLimits(limits),
    processLimits: processLimits(options.processLimits, limits),
    startTimeoutMs: options.startTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs,
    hangTimeoutMs: options.hangTimeoutMs,
    buffers,
    logs,
    logLimits: options.logLimits,
    env,
    spinUs: options.dataPlane.spinUs,
    inlineValues: options.inlineValues,
    onExit,
  });
}

/** The limits a worker thread takes (new Worker rejects keys it does not know). */
function workerLimits(limits: ResourceLimits | undefined): ResourceLimits | undefined {
  if (limits === undefined) return undefined;
  const { maxRssMb: _rss, cpuSeconds: _cpu, ...worker } = limits;
  return Object.keys(worker).length === 0 ? undefined : worker;
}

/** The host's process limits, lowered (never raised) by the manifest's. */
function processLimits(host: ProcessLimits, manifest: ResourceLimits | undefined): ProcessLimits {
  const lower = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined ? b : b === undefined ? a : Math.min(a, b);
  return {
    ...host,
    maxRssMb: lower(host.maxRssMb, manifest?.maxRssMb),
    cpuSeconds: lower(host.cpuSeconds, manifest?.cpuSeconds),
  };
}
