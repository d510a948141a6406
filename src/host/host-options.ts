/**
 * The options of `createHost`, checked and filled with defaults in one place.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { MAX_TIMEOUT_MS } from '../isolation/deadline.js';
import { DEFAULT_PLUGIN_DIR, resolvePluginDirs } from '../discovery/index.js';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../supervisor/restart-policy.js';
import type { HealthPolicy } from '../supervisor/supervisor.js';
import { DEFAULT_LOG_LIMITS, type LogLimits } from '../transport/log-sink.js';
import { ISOLATIONS, type Isolation, type ProcessLimits } from '../manifest/index.js';
import { createQuietLogger } from './create-logger.js';

import type { PluginConfigs } from '../config/resolve-service-config.js';

/** What `createHost` accepts. Every field is optional. */
export interface HostOptions {
  /**
   * Folders to find plugins in: each is either a plugins directory (every subfolder with
   * a plugin.json is a plugin) or a single plugin's folder. Default: `BERTH_PLUGINS`
   * (colon-separated), else `./plugins`.
   */
  plugins?: string[];
  /**
   * Forces one isolation for every plugin, for development and tests; by default each
   * plugin's manifest decides. A forced `pool` runs each plugin on a pool of the threads
   * its manifest asks for, two when it asks for no pool.
   */
  isolation?: Isolation;
  /**
   * Runs the named plugins in the given isolation, whatever their manifest or `isolation`
   * says: `{ 'sqlite-storage': 'process' }` puts one plugin you do not trust (or whose
   * native code might crash) in a process of its own.
   */
  isolationOf?: Record<string, Isolation>;
  /**
   * How inline isolation passes arguments and results. `copy` (the default) sends them
   * through the codec of the other modes, so a plugin sees and returns values exactly as
   * it would in a thread, and what could not cross one is refused inline too
   * (docs/value-model.md). `reference` passes them as they are: faster, but a plugin that
   * keeps or changes an argument changes the caller's, and nothing is checked.
   */
  inlineValues?: 'copy' | 'reference';
  /** Where plugins keep their data (`<dataDir>/plugins/<name>`). Default `./data`. */
  dataDir?: string;
  /**
   * Where the host and its plugins log. Default: warnings and errors only, to stderr
   * (pretty on a TTY), so an embedding application's stdout stays its own; pass
   * `createLogger({ level: 'info' })`, or any pino logger, for more.
   */
  logger?: Logger;
  config?: PluginConfigs;
  /** Only these plugins are started; by default every discovered plugin is. */
  enable?: string[];
  /**
   * Plugins found but taken disabled: listed by `plugins()`, not started, for an operator
   * to enable (`host.enable`), which the state file then remembers. An operator's enable
   * wins. `berth serve` takes its bundled plugins other than the storage this way.
   */
  disable?: string[];
  /**
   * Project folders whose direct dependencies may be plugin packages (a package.json with
   * a `berth` field naming the plugin's plugin.json), looked for in `<root>/node_modules`.
   * Default: the working directory, which then need not have a package.json.
   */
  npmRoots?: string[];
  /**
   * Watch the plugin folders while the host runs: a plugin dropped in is taken, a new
   * version of a running one replaces it without failing a call, a broken one is reported
   * in `problems()` (see drop-in-handler.ts). Default false, so a host embedded in an
   * application or a test only ever runs what it found at start; `berth serve` watches.
   */
  watch?: boolean;
  /**
   * Whether a plugin dropped in while the host runs is started even though `enable` does
   * not name it. Default true: a folder dropped in runs. When false, it is listed,
   * disabled, for an operator to enable. An operator's disable or remove always wins.
   */
  autoEnable?: boolean;
  /** How long a plugin may take to load and start. Default 30 s. */
  startTimeoutMs?: number;
  /** How long draining calls, and then `onStop`, may each take at close. Default 5 s. */
  stopTimeoutMs?: number;
  /** A worker whose event loop does not beat for this long is hung and replaced. Default 5 s. */
  hangTimeoutMs?: number;
  /** The default deadline of a call. Default 30 s. */
  callTimeoutMs?: number;
  /** Calls in flight (and waiting for a restart) per plugin before BERTH_ERR_OVERLOADED. Default 1,024. */
  maxInFlight?: number;
  /** Health checks. Default every 10 s, 2 s each, 3 failures in a row restart. */
  health?: Partial<HealthPolicy>;
  /** Restart pacing and breaker. Default: backoff from 100 ms doubling to 10 s; 5 crashes in 60 s open the breaker for 30 s. */
  restart?: Partial<RestartPolicy>;
  /** The shared-memory data plane of thread isolation. */
  dataPlane?: DataPlaneOptions;
  /**
   * Limits of every plugin process (process isolation): `maxRssMb`, resident memory
   * heap and off-heap (default 1,024); `cpuSeconds`, CPU time over a process's life
   * (default none); `uid` and `gid` to run plugins as (the host must run as root). A
   * manifest's `resourceLimits.maxRssMb` and `cpuSeconds` may lower these, never raise them.
   */
  processLimits?: ProcessLimits;
  /**
   * How much each plugin may log: `linesPerSecond` (default 1,000, as many in a burst)
   * and `maxLineChars` (default 16,384; a longer line is cut). Lines past the rate are
   * dropped, counted, and reported once every 10 s.
   */
  logLimits?: Partial<LogLimits>;
}

/** Tuning of the shared-memory data plane (src/transport/shared-layout.ts). */
export interface DataPlaneOptions {
  /** Result arena bytes per plugin worker, unless its manifest says. Default 16 MiB. */
  arenaBytes?: number;
  /** How long a worker watches for the next call after a batch before sleeping, in µs. Default 50; 0 never spins. */
  spinUs?: number;
}

/** HostOptions with every default applied. */
export interface ResolvedHostOptions {
  pluginDirs: string[];
  /** Folders that may be absent without a warning: the implicit default only. */
  optionalPluginDirs: string[];
  isolation: Isolation | undefined;
  isolationOf: Record<string, Isolation>;
  inlineValues: 'copy' | 'reference';
  dataDir: string;
  logger: Logger;
  config: PluginConfigs;
  enable: string[] | undefined;
  disable: string[];
  npmRoots: string[];
  /** npm roots that may lack a package.json without a problem: the implicit default only. */
  optionalNpmRoots: string[];
  watch: boolean;
  autoEnable: boolean;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  hangTimeoutMs: number;
  callTimeoutMs: number;
  maxInFlight: number;
  health: HealthPolicy;
  restart: RestartPolicy;
  dataPlane: DataPlaneOptions;
  processLimits: ProcessLimits;
  logLimits: LogLimits;
}

/** Applies defaults; throws BERTH_ERR_CONFIG_INVALID naming the option for a bad value. */
export function resolveHostOptions(options: HostOptions, cwd = process.cwd()): ResolvedHostOptions {
  const { isolation } = options;
  if (isolation !== undefined && !ISOLATIONS.includes(isolation)) {
    throw invalid(
      'isolation',
      `one of ${ISOLATIONS.map((mode) => `"${mode}"`).join(', ')}`,
      isolation,
    );
  }
  const isolationOf = options.isolationOf ?? {};
  for (const [plugin, mode] of Object.entries(isolationOf)) {
    if (!ISOLATIONS.includes(mode)) {
      throw invalid(
        `isolationOf.${plugin}`,
        `one of ${ISOLATIONS.map((m) => `"${m}"`).join(', ')}`,
        mode,
      );
    }
  }
  const { inlineValues = 'copy' } = options;
  if (inlineValues !== 'copy' && inlineValues !== 'reference') {
    throw invalid('inlineValues', `"copy" or "reference"`, inlineValues);
  }
  for (const key of ['watch', 'autoEnable'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean')
      throw invalid(key, 'true or false', value);
  }
  for (const key of ['enable', 'disable'] as const) {
    const value = options[key];
    if (value !== undefined && !(Array.isArray(value) && value.every(isNonBlank))) {
      throw invalid(key, 'a list of plugin names', value);
    }
  }
  const { npmRoots } = options;
  if (npmRoots !== undefined && !(Array.isArray(npmRoots) && npmRoots.every(isNonBlank))) {
    throw invalid('npmRoots', 'a list of project folders', npmRoots);
  }
  for (const key of [
    'startTimeoutMs',
    'stopTimeoutMs',
    'hangTimeoutMs',
    'callTimeoutMs',
    'maxInFlight',
  ] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0 && value <= MAX_TIMEOUT_MS)) {
      throw invalid(key, `a positive number of milliseconds, at most ${MAX_TIMEOUT_MS}`, value);
    }
  }
  return {
    pluginDirs:
      options.plugins === undefined
        ? resolvePluginDirs({ env: process.env['BERTH_PLUGINS'], cwd })
        : options.plugins.map((dir) => resolve(cwd, dir)),
    optionalPluginDirs: options.plugins === undefined ? [resolve(cwd, DEFAULT_PLUGIN_DIR)] : [],
    isolation,
    isolationOf,
    inlineValues,
    dataDir: resolve(cwd, options.dataDir ?? 'data'),
    logger: options.logger ?? createQuietLogger(),
    config: options.config ?? {},
    enable: options.enable,
    disable: options.disable ?? [],
    npmRoots: npmRoots === undefined ? [cwd] : npmRoots.map((dir) => resolve(cwd, dir)),
    optionalNpmRoots: npmRoots === undefined ? [cwd] : [],
    watch: options.watch ?? false,
    autoEnable: options.autoEnable ?? true,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    hangTimeoutMs: options.hangTimeoutMs ?? 5_000,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    maxInFlight: options.maxInFlight ?? 1_024,
    health: { intervalMs: 10_000, timeoutMs: 2_000, failures: 3, ...options.health },
    restart: { ...DEFAULT_RESTART_POLICY, ...options.restart },
    dataPlane: resolveDataPlane(options.dataPlane ?? {}),
    processLimits: resolveProcessLimits(options.processLimits ?? {}),
    logLimits: resolveLogLimits(options.logLimits ?? {}),
  };
}

function resolveLogLimits(options: Partial<LogLimits>): LogLimits {
  const limits = { ...DEFAULT_LOG_LIMITS, ...options };
  const { linesPerSecond, maxLineChars } = limits;
  if (!(Number.isInteger(linesPerSecond) && linesPerSecond >= 1)) {
    throw invalid(
      'logLimits.linesPerSecond',
      'a whole number of lines, at least 1',
      linesPerSecond,
    );
  }
  if (!(Number.isInteger(maxLineChars) && maxLineChars >= 256)) {
    throw invalid(
      'logLimits.maxLineChars',
      'a whole number of characters, at least 256',
      maxLineChars,
    );
  }
  return limits;
}

function resolveDataPlane(options: DataPlaneOptions): DataPlaneOptions {
  const { arenaBytes, spinUs } = options;
  if (arenaBytes !== undefined && !(Number.isInteger(arenaBytes) && arenaBytes >= 65_536)) {
    throw invalid('dataPlane.arenaBytes', 'a whole number of bytes, at least 65536', arenaBytes);
  }
  if (spinUs !== undefined && !(Number.isFinite(spinUs) && spinUs >= 0 && spinUs <= 10_000)) {
    throw invalid('dataPlane.spinUs', 'a number of microseconds from 0 to 10000', spinUs);
  }
  return options;
}

/** The default resident-memory limit of a plugin process, in MB. */
export const DEFAULT_MAX_RSS_MB = 1_024;

function resolveProcessLimits(options: ProcessLimits): ProcessLimits {
  const { maxRssMb = DEFAULT_MAX_RSS_MB, cpuSeconds, uid, gid } = options;
  if (!(Number.isFinite(maxRssMb) && maxRssMb >= 32)) {
    throw invalid('processLimits.maxRssMb', 'a number of megabytes, at least 32', maxRssMb);
  }
  if (cpuSeconds !== undefined && !(Number.isFinite(cpuSeconds) && cpuSeconds > 0)) {
    throw invalid('processLimits.cpuSeconds', 'a positive number of seconds', cpuSeconds);
  }
  for (const [key, value] of [
    ['uid', uid],
    ['gid', gid],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw invalid(`processLimits.${key}`, 'a numeric id, 0 or more', value);
    }
  }
  return { ...options, maxRssMb };
}

/** A string with more than blanks: a folder, or a plugin's name. */
function isNonBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function invalid(option: string, expected: string, got: unknown): BerthError {
  return new BerthError(
    codes.CONFIG_INVALID,
    `host option "${option}" must be ${expected} (got ${JSON.stringify(got)})`,
    { data: { option } },
  );
}
