/**
 * The host's lifecycle state: one JSON file in its data directory that remembers, per
 * plugin, the versions an operator installed, which one is active, whether the plugin is
 * enabled, and the config overrides of each service. It is what makes an operator's
 * install, disable or config change survive a restart of the host.
 *
 *   { "format": 1,
 *     "plugins": { "echo": { "installed": [{ "version": "1.0.0", "dir": "/srv/echo" }],
 *                            "active": "1.0.0", "enabled": true,
 *                            "config": { "echo": { "greeting": "hi" } } } } }
 *
 * Every change rewrites the whole file atomically (write-file-atomic.ts), one change at
 * a time, so the file on disk is always a complete state that some change produced.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, codes } from '../../errors.js';
import { describeThrown } from '../../wire-error.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { isPlainObject } from '../../plain-object.js';

/** The state file's name inside the data directory. */
export const STATE_FILE = 'berth-state.json';

/** The only format this code reads and writes; bumped on an incompatible change. */
const FORMAT = 1;

/** One installed version of a plugin and the folder it was installed from. */
export interface InstalledVersion {
  version: string;
  dir: string;
}

/** What the host remembers about one plugin. */
export interface StoredPlugin {
  /** Versions installed by an operator (plugins found in the plugin dirs need none). */
  installed: InstalledVersion[];
  /** The version to run; absent: the one found in the plugin dirs, else the newest installed. */
  active?: string;
  /** Absent means the default: enabled. */
  enabled?: boolean;
  /** Set when an operator removed a plugin that the plugin dirs still hold, so it stays out. */
  removed?: boolean;
  /** Config overrides per service, merged over the manifest's defaults and the host's config. */
  config: Record<string, Record<string, unknown>>;
}

/** The lifecycle state of a host; see the module comment. */
export interface StateStore {
  /** The state file's absolute path. */
  readonly file: string;
  /**
   * Reads the file; a missing file is an empty state. Throws BERTH_ERR_STATE_INVALID,
   * naming the file and what is wrong, when it cannot be read or is not a state file.
   */
  load(): Promise<void>;
  /** A copy of what is remembered about `name`, if anything. */
  get(name: string): StoredPlugin | undefined;
  /** Every plugin name remembered. */
  names(): string[];
  /**
   * Changes what is remembered about `name`: `change` gets a copy of the current entry
   * (an empty one if none) and returns the next, or undefined to forget the plugin.
   * Changes run one at a time in call order; each resolves once the file on disk holds
   * it, and only then does `get` see it. A failed write changes nothing.
   */
  update(
    name: string,
    change: (current: StoredPlugin) => StoredPlugin | undefined,
  ): Promise<StoredPlugin | undefined>;
}

/** Makes the store of the host whose data directory is `dataDir`. Reads nothing yet. */
export function createStateStore(dataDir: string): StateStore {
  const file = join(dataDir, STATE_FILE);
  let plugins = new Map<string, StoredPlugin>();
  let queue: Promise<unknown> = Promise.resolve();

  return {
    file,
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') {
          plugins = new Map();
          return;
        }
        throw invalid(file, `cannot be read (${describeThrown(error)})`, error);
      }
      plugins = parseState(text, file);
    },
    get(name) {
      const stored = plugins.get(name);
      return stored === undefined ? undefined : structuredClone(stored);
    },
    names() {
      return [...plugins.keys()].sort();
    },
    update(name, change) {
      const run = async (): Promise<StoredPlugin | undefined> => {
        const next = change(structuredClone(plugins.get(name) ?? emptyStored()));
        const after = new Map(plugins);
        if (next === undefined) after.delete(name);
        else after.set(name, next);
        const content = { format: FORMAT, plugins: Object.fromEntries(after) };
        await mkdir(dataDir, { recursive: true });
        await writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`);
        plugins = after;
        return next === undefined ? undefined : structuredClone(next);
      };
      const result = queue.then(run, run);
      queue = result.catch(() => {});
      return result;
    },
  };
}

/** An entry for a plugin nothing is remembered about. */
export function emptyStored(): StoredPlugin {
  return { installed: [], config: {} };
}

function invalid(file: string, why: string, cause?: unknown): BerthError {
  return new BerthError(
    codes.STATE_INVALID,
    `the lifecycle state file ${file} ${why}; restore it from a backup, or delete it to ` +
      'forget every install, disable and config change (plugins in the plugin dirs then start afresh)',
    { cause, data: { file } },
  );
}

/** Checks the shape of a state file's content; throws STATE_INVALID naming the first bad field. */
function parseState(text: string, file: string): Map<string, StoredPlugin> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `is not valid JSON (${describeThrown(error)})`, error);
  }
  if (!isPlainObject(raw) || raw['format'] !== FORMAT || !isPlainObject(raw['plugins'])) {
    throw invalid(file, `is not a format ${FORMAT} state file ({ "format": 1, "plugins": {…} })`);
  }
  const plugins = new Map<string, StoredPlugin>();
  for (const [name, entry] of Object.entries(raw['plugins'])) {
    const bad = (field: string, expected: string): BerthError =>
      invalid(file, `has a bad plugins.${name}.${field} (expected ${expected})`);
    if (!isPlainObject(entry)) throw bad('', 'an object');
    const { installed, active, enabled, removed, config } = entry;
    if (
      !Array.isArray(installed) ||
      !installed.every(
        (v) => isPlainObject(v) && typeof v['version'] === 'string' && typeof v['dir'] === 'string',
      )
    ) {
      throw bad('installed', 'an array of { version, dir }');
    }
    if (active !== undefined && typeof active !== 'string') throw bad('active', 'a version');
    if (enabled !== undefined && typeof enabled !== 'boolean') throw bad('enabled', 'a boolean');
    if (removed !== undefined && typeof removed !== 'boolean') throw bad('removed', 'a boolean');
    if (!isPlainObject(config) || !Object.values(config).every(isPlainObject)) {
      throw bad('config', 'an object of config objects per service');
    }
    const stored: StoredPlugin = {
      installed: (installed as InstalledVersion[]).map(({ version, dir }) => ({ version, dir })),
      config: config as Record<string, Record<string, unknown>>,
    };
    if (active !== undefined) stored.active = active;
    if (enabled !== undefined) stored.enabled = enabled;
    if (removed !== undefined) stored.removed = removed;
    plugins.set(name, stored);
  }
  return plugins;
}
