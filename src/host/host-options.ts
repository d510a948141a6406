/**
 * The options of `createHost`, checked and filled with defaults in one place.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { DEFAULT_PLUGIN_DIR, resolvePluginDirs } from '../discovery/index.js';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../supervisor/restart-policy.js';
import type { HealthPolicy } from '../supervisor/supervisor.js';
import { createLogger } from './create-logger.js';

/** Config overrides: plugin name -> service name -> config merged over its defaultConfig. */
export type PluginConfigs = Record<string, Record<string, Record<string, unknown>>>;

/** What `createHost` accepts. Every field is optional. */
export interface HostOptions {
  /**
   * Folders to find plugins in: each is either a plugins directory (every subfolder with
   * a plugin.json is a plugin) or a single plugin's folder. Default: `BERTH_PLUGINS`
   * (colon-separated), else `./plugins`.
   */
  plugins?: string[];
  /** Forces one isolation for every plugin; by default each service's manifest decides. */
  isolation?: 'inline' | 'thread';
  /** Where plugins keep their data (`<dataDir>/plugins/<name>`). Default `./data`. */
  dataDir?: string;
  /** Default: pino at `info`, pretty on a TTY. */
  logger?: Logger;
  config?: PluginConfigs;
  /** Only these plugins are started; by default every discovered plugin is. */
  enable?: string[];
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
}

/** HostOptions with every default applied. */
export interface ResolvedHostOptions {
  pluginDirs: string[];
  /** Folders that may be absent without a warning: the implicit default only. */
  optionalPluginDirs: string[];
  isolation: 'inline' | 'thread' | undefined;
  dataDir: string;
  logger: Logger;
  config: PluginConfigs;
  enable: string[] | undefined;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  hangTimeoutMs: number;
  callTimeoutMs: number;
  maxInFlight: number;
  health: HealthPolicy;
  restart: RestartPolicy;
}

/** Applies defaults; throws BERTH_ERR_CONFIG_INVALID naming the option for a bad value. */
export function resolveHostOptions(options: HostOptions, cwd = process.cwd()): ResolvedHostOptions {
  const { isolation } = options;
  if (isolation !== undefined && isolation !== 'inline' && isolation !== 'thread') {
    throw invalid('isolation', `"inline" or "thread"`, isolation);
  }
  for (const key of [
    'startTimeoutMs',
    'stopTimeoutMs',
    'hangTimeoutMs',
    'callTimeoutMs',
    'maxInFlight',
  ] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw invalid(key, 'a positive number of milliseconds', value);
    }
  }
  return {
    pluginDirs:
      options.plugins === undefined
        ? resolvePluginDirs({ env: process.env['BERTH_PLUGINS'], cwd })
        : options.plugins.map((dir) => resolve(cwd, dir)),
    optionalPluginDirs: options.plugins === undefined ? [resolve(cwd, DEFAULT_PLUGIN_DIR)] : [],
    isolation,
    dataDir: resolve(cwd, options.dataDir ?? 'data'),
    logger: options.logger ?? createLogger(),
    config: options.config ?? {},
    enable: options.enable,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    hangTimeoutMs: options.hangTimeoutMs ?? 5_000,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    maxInFlight: options.maxInFlight ?? 1_024,
    health: { intervalMs: 10_000, timeoutMs: 2_000, failures: 3, ...options.health },
    restart: { ...DEFAULT_RESTART_POLICY, ...options.restart },
  };
}

function invalid(option: string, expected: string, got: unknown): BerthError {
  return new BerthError(
    codes.CONFIG_INVALID,
    `host option "${option}" must be ${expected} (got ${JSON.stringify(got)})`,
    { data: { option } },
  );
}
