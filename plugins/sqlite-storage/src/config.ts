/**
 * The config of the sqlite-storage service: parsed once from the merged service config
 * (manifest defaultConfig, host overrides over it), with every problem naming its key.
 */
import { isAbsolute, join, posix } from 'node:path';
import { BerthError, codes } from 'berth/sdk';

/** How hard SQLite works to make a commit durable (`PRAGMA synchronous`); see README. */
export type SynchronousMode = 'normal' | 'full';

/** The checked config of one service instance. */
export interface SqliteStorageConfig {
  /**
   * The database file, relative to the plugin's data directory. A path that leaves it
   * (absolute, or through `..`) needs `allowOutsideDataDir`.
   */
  readonly path: string;
  /** Whether `path` may leave the data directory: an operator's choice, made in the config file. */
  readonly allowOutsideDataDir: boolean;
  /**
   * How long a write (or the start of a read) may wait in all for a lock another
   * connection holds. The wait is spent in short native slices with the event loop free
   * between them, so it may exceed the host's hang timeout without being taken for a hang.
   */
  readonly busyTimeoutMs: number;
  readonly synchronous: SynchronousMode;
  /**
   * How many rows one `list` statement examines at most. A list needing more runs several
   * statements, yielding to the event loop between them, so no single native call grows
   * with the size of the store.
   */
  readonly listChunkRows: number;
}

/** Defaults for keys a host config leaves out (they match plugin.json's defaultConfig). */
export const DEFAULT_CONFIG: SqliteStorageConfig = {
  path: 'berth.db',
  allowOutsideDataDir: false,
  busyTimeoutMs: 5_000,
  synchronous: 'full',
  listChunkRows: 256,
};

const SYNCHRONOUS_MODES: readonly SynchronousMode[] = ['normal', 'full'];

/** Checks `raw`; throws `BERTH_ERR_CONFIG_INVALID` whose `data.key` names the bad key. */
export function parseConfig(raw: Readonly<Record<string, unknown>>): SqliteStorageConfig {
  const path = raw['path'] ?? DEFAULT_CONFIG.path;
  // One file is opened twice (a writer and a snapshot reader), which ':memory:' cannot be.
  if (typeof path !== 'string' || path === '' || path === ':memory:' || path.startsWith('file:')) {
    invalid('path', 'a file path (memory-storage is the in-memory store)', path);
  }
  const allowOutsideDataDir = raw['allowOutsideDataDir'] ?? DEFAULT_CONFIG.allowOutsideDataDir;
  if (typeof allowOutsideDataDir !== 'boolean') {
    invalid('allowOutsideDataDir', 'true or false', allowOutsideDataDir);
  }
  if (!allowOutsideDataDir && leavesFolder(path)) {
    invalid(
      'path',
      'a path inside the plugin\'s data directory (to keep the database elsewhere, the operator sets "allowOutsideDataDir": true in the storage config of berth.config.json)',
      path,
    );
  }
  const synchronous = raw['synchronous'] ?? DEFAULT_CONFIG.synchronous;
  if (!SYNCHRONOUS_MODES.includes(synchronous as SynchronousMode)) {
    invalid('synchronous', '"normal" or "full"', synchronous);
  }
  return {
    path,
    allowOutsideDataDir,
    busyTimeoutMs: integer(raw, 'busyTimeoutMs', 0, 600_000),
    synchronous: synchronous as SynchronousMode,
    listChunkRows: integer(raw, 'listChunkRows', 1, 100_000),
  };
}

/** Whether `path` is absolute or climbs out of the folder it is relative to. */
function leavesFolder(path: string): boolean {
  const normal = posix.normalize(path.replaceAll('\\', '/'));
  return isAbsolute(path) || normal.startsWith('/') || normal === '..' || normal.startsWith('../');
}

/** The absolute path of the database file. */
export function databaseFile(config: SqliteStorageConfig, dataDir: string): string {
  return isAbsolute(config.path) ? config.path : join(dataDir, config.path);
}

/**
 * Why `next` cannot replace `current` live, or undefined when it can: the file and the
 * durability mode are fixed while the database is open (restart the plugin to change
 * them); the waits and the chunk size apply to the next call.
 */
export function refuseLiveChange(
  current: SqliteStorageConfig,
  next: Readonly<Record<string, unknown>>,
): string | undefined {
  let parsed: SqliteStorageConfig;
  try {
    parsed = parseConfig(next);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  for (const key of ['path', 'synchronous', 'allowOutsideDataDir'] as const) {
    if (parsed[key] !== current[key]) return `"${key}" applies at start only: restart the plugin`;
  }
  return undefined;
}

function integer(
  raw: Readonly<Record<string, unknown>>,
  key: 'busyTimeoutMs' | 'listChunkRows',
  min: number,
  max: number,
): number {
  const value = raw[key] ?? DEFAULT_CONFIG[key];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    invalid(key, `an integer from ${min} to ${max}`, value);
  }
  return value as number;
}

function invalid(key: string, expected: string, got: unknown): never {
  throw new BerthError(
    codes.CONFIG_INVALID,
    `sqlite-storage config "${key}" must be ${expected} (got ${JSON.stringify(got)})`,
    { data: { key } },
  );
}
