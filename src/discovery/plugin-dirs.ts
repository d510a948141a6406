/**
 * Which directories to look for plugins in, from the places a user can name them.
 * Pure: it reads no environment and touches no filesystem, so the precedence is easy to
 * test and the same for the CLI, the service and `createHost`.
 */
import { delimiter, resolve } from 'node:path';

/** The plugins directory used when nothing else names one, relative to the cwd. */
export const DEFAULT_PLUGIN_DIR = './plugins';

/** Every place plugin directories can come from; any may be absent. */
export interface PluginDirSources {
  /** Values of repeated `--plugins DIR` flags, in command-line order. */
  flags?: readonly string[] | undefined;
  /** The raw `BERTH_PLUGINS` value: directories joined by `:` (`;` on Windows). */
  env?: string | undefined;
  /** The `plugins` list from the config file. */
  config?: readonly string[] | undefined;
  /** What relative directories are resolved against. */
  cwd: string;
}

/**
 * The plugin directories to search, absolute, without duplicates, in the order given.
 * The first source that names at least one directory wins outright, the others are not
 * merged in: `--plugins` flags, then `BERTH_PLUGINS`, then the config file, then
 * {@link DEFAULT_PLUGIN_DIR}. Empty entries (`a::b`, `""`) are ignored everywhere, so a
 * source that names nothing falls through to the next. Never returns an empty list.
 */
export function resolvePluginDirs(sources: PluginDirSources): string[] {
  const chosen = [sources.flags, splitEnv(sources.env), sources.config]
    .map((list) => (list ?? []).filter((dir) => dir.trim() !== ''))
    .find((list) => list.length > 0) ?? [DEFAULT_PLUGIN_DIR];
  return [...new Set(chosen.map((dir) => resolve(sources.cwd, dir)))];
}

/**
 * Splits a `BERTH_PLUGINS` value. The separator is the platform's PATH delimiter, `:`
 * on POSIX as documented; on Windows `:` is part of every drive path, so `;` it is.
 */
function splitEnv(env: string | undefined): string[] | undefined {
  return env?.split(delimiter);
}
