/**
 * The options of `createHost`, checked and filled with defaults in one place.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { DEFAULT_PLUGIN_DIR, resolvePluginDirs } from '../discovery/index.js';
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
}

/** Applies defaults; throws BERTH_ERR_CONFIG_INVALID naming the option for a bad value. */
export function resolveHostOptions(options: HostOptions, cwd = process.cwd()): ResolvedHostOptions {
  const { isolation } = options;
  if (isolation !== undefined && isolation !== 'inline' && isolation !== 'thread') {
    throw invalid('isolation', `"inline" or "thread"`, isolation);
  }
  for (const key of ['startTimeoutMs', 'stopTimeoutMs'] as const) {
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
  };
}

function invalid(option: string, expected: string, got: unknown): BerthError {
  return new BerthError(
    codes.CONFIG_INVALID,
    `host option "${option}" must be ${expected} (got ${JSON.stringify(got)})`,
    { data: { option } },
  );
}
