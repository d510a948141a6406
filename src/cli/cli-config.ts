/**
 * What every `berth` command shares: the plugin folders and host settings, taken from
 * flags, the `BERTH_PLUGINS` environment variable, and an optional JSON config file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { BerthError, codes, resolvePluginDirs, type PluginConfigs } from '../index.js';

/** The berth.json config file. Every field is optional. */
export interface ConfigFile {
  plugins?: string[];
  dataDir?: string;
  isolation?: 'inline' | 'thread';
  config?: PluginConfigs;
}

/** Settings after flags, environment and config file are combined. */
export interface CliSettings {
  /** Where plugins are looked for (for display and for discovery-only commands). */
  pluginDirs: string[];
  /** What to pass to createHost: undefined lets the host apply BERTH_PLUGINS and the default. */
  hostPluginDirs: string[] | undefined;
  dataDir: string;
  isolation: 'inline' | 'thread' | undefined;
  config: PluginConfigs;
  logLevel: string;
}

/** Adds the shared options to a command. */
export function withHostOptions(command: Command): Command {
  return command
    .option('-p, --plugins <dir>', 'a plugins directory or plugin folder (repeatable)', collect, [])
    .option('-c, --config <file>', 'a berth.json config file')
    .option('-d, --data-dir <dir>', 'where plugins keep their data (default ./data)')
    .option('--isolation <mode>', 'force "inline" or "thread" for every plugin')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent', 'info');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Combines flags (first), environment, config file (relative to its own folder) and defaults. */
export async function resolveCliSettings(
  flags: Record<string, unknown>,
  cwd = process.cwd(),
): Promise<CliSettings> {
  const file =
    typeof flags['config'] === 'string'
      ? await readConfigFile(resolve(cwd, flags['config']))
      : undefined;
  const base = file === undefined ? cwd : dirname(file.path);
  const isolation = (flags['isolation'] ?? file?.content.isolation) as string | undefined;
  if (isolation !== undefined && isolation !== 'inline' && isolation !== 'thread') {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `--isolation must be "inline" or "thread" (got "${isolation}")`,
    );
  }
  const flagged = flags['plugins'] as string[];
  const configured = file?.content.plugins?.map((dir) => resolve(base, dir));
  // Flags beat BERTH_PLUGINS, which beats the config file; the host reads the variable itself.
  const fromEnv = (process.env['BERTH_PLUGINS'] ?? '').trim() !== '';
  const explicit = flagged.length > 0 ? flagged : fromEnv ? undefined : configured;
  return {
    pluginDirs: resolvePluginDirs({
      flags: flagged,
      env: process.env['BERTH_PLUGINS'],
      config: configured,
      cwd,
    }),
    hostPluginDirs:
      explicit === undefined || explicit.length === 0
        ? undefined
        : explicit.map((dir) => resolve(cwd, dir)),
    dataDir: resolve(
      cwd,
      (flags['dataDir'] as string | undefined) ??
        (file?.content.dataDir === undefined ? 'data' : resolve(base, file.content.dataDir)),
    ),
    isolation,
    config: file?.content.config ?? {},
    logLevel: flags['logLevel'] as string,
  };
}

async function readConfigFile(path: string): Promise<{ path: string; content: ConfigFile }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `cannot read config file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `config file ${path} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new BerthError(codes.CONFIG_INVALID, `config file ${path} must hold a JSON object`);
  }
  const { plugins } = content as ConfigFile;
  if (
    plugins !== undefined &&
    !(Array.isArray(plugins) && plugins.every((p) => typeof p === 'string'))
  ) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `config file ${path}: "plugins" must be an array of folder paths`,
      {
        data: { field: 'plugins' },
      },
    );
  }
  return { path, content: content as ConfigFile };
}
