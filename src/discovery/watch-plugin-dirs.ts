/**
 * `watchPluginDirs`: while the host runs, reports plugins dropped into the plugin
 * directories, upgraded in place, removed, or broken, by rescanning and diffing
 * discovery results (`diffDiscovery` holds the rules).
 *
 *   fs.watch on each dir and each plugin folder ──(debounce)──┐
 *   periodic rescan (safety net: fs.watch is unreliable) ─────┼──▶ scan ──▶ diff ──▶ onEvent
 *   confirmation scan, when a scan saw something still moving ┘    (one at a time)
 *
 * npm packages (`npmRoots`) change by installs, not drop-ins: they are seen by the
 * periodic rescan only.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { BerthError, codes } from '../errors.js';
import { createDiffState, diffDiscovery, type PluginDirEvent } from './diff-discovery.js';
import { discoverPlugins, type DiscoverOptions } from './discover-plugins.js';
import type { DiscoveredPlugin, DiscoveryResult } from './discovery-result.js';
import { watchFolders } from './watch-folders.js';

/** Options for {@link watchPluginDirs}: discovery's, and the watcher's own. */
export interface WatchPluginDirsOptions extends DiscoverOptions {
  /**
   * Told each change, in order. A returned promise is awaited before the next event and
   * the next scan, so a slow upgrade never overlaps another change. What it throws goes
   * to `onError`. Do not await `close()` inside it: close waits for it.
   */
  onEvent(event: PluginDirEvent): void | Promise<void>;
  /** Told a scan that failed or a listener that threw. Default: a process warning. */
  onError?: ((error: unknown) => void) | undefined;
  /** What the caller already knows (its discovery at start); only changes from it are reported. */
  baseline?: DiscoveryResult | undefined;
  /**
   * How to scan; default `discoverPlugins(dirs, options)`. The host passes its own finder
   * when it treats some folders differently; `dirs` are then only what is watched.
   */
  discover?: (() => Promise<DiscoveryResult>) | undefined;
  /** Quiet time after a filesystem event before scanning. Default 100 ms. */
  debounceMs?: number | undefined;
  /** When a scan saw something still changing, the confirming scan comes after this. Default 300 ms. */
  settleMs?: number | undefined;
  /** Full rescan period, whatever fs.watch says; 0 turns it off. Default 5,000 ms. */
  rescanMs?: number | undefined;
}

/** A running watcher. */
export interface PluginDirWatcher {
  /** Resolves when the watches are set and the first scan has been diffed and told. Never rejects. */
  readonly ready: Promise<void>;
  /**
   * Scans now (after the scan under way, if any; concurrent requests share one) and
   * resolves when its events have been told. Never rejects; does nothing once closed.
   */
  scan(): Promise<void>;
  /**
   * Stops: closes every watch and timer, tells no more events, and resolves when the
   * scan under way (and its listener) has finished. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts watching `dirs` (plugin directories, as for `discoverPlugins`). Throws
 * `CONFIG_INVALID` for a negative or non-finite delay; nothing else throws or rejects.
 * The watcher keeps the process alive until it is closed.
 *
 * (size rule: one closure owns the watcher's timers and its one-at-a-time scan queue; its
 * parts are the named functions requestScan and runScan.)
 */
export function watchPluginDirs(
  dirs: readonly string[],
  options: WatchPluginDirsOptions,
): PluginDirWatcher {
  const {
    onEvent,
    onError = (error: unknown) => process.emitWarning(asWarning(error)),
    baseline,
    discover,
    debounceMs = 100,
    settleMs = 300,
    rescanMs = 5_000,
    ...discoverOptions
  } = options;
  checkDelays({ debounceMs, settleMs, rescanMs });
  const roots = [...new Set(dirs.map((dir) => resolve(dir)))];
  const find = discover ?? (() => discoverPlugins(roots, discoverOptions));
  let state = createDiffState(baseline);
  let closed = false;
  let closing: Promise<void> | undefined;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let debounceTimer: NodeJS.Timeout | undefined;
  let settleTimer: NodeJS.Timeout | undefined;

  const watches = watchFolders(() => {
    if (closed) return;
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => void requestScan(), debounceMs);
  });
  const rescanTimer = rescanMs > 0 ? setInterval(() => void requestScan(), rescanMs) : undefined;

  function requestScan(): Promise<void> {
    if (closed) return Promise.resolve();
    if (queued !== undefined) return queued;
    if (running === undefined) {
      running = runScan().finally(() => {
        running = undefined;
      });
      return running;
    }
    // One scan at a time; requests made meanwhile share the next one.
    queued = running.then(() => {
      queued = undefined;
      return requestScan();
    });
    return queued;
  }

  async function runScan(): Promise<void> {
    clearTimeout(settleTimer);
    try {
      // Watch first, then read: a change made while reading still triggers a scan.
      await watches.update(await foldersToWatch(roots));
      const result = await find();
      const stamps = await stampMains(result.plugins);
      if (closed) return;
      const outcome = diffDiscovery(state, { result, stamps });
      state = outcome.state;
      for (const event of outcome.events) {
        if (closed) return;
        try {
          await onEvent(event);
        } catch (error) {
          onError(error);
        }
      }
      if (!outcome.settled && !closed) {
        settleTimer = setTimeout(() => void requestScan(), settleMs);
      }
    } catch (error) {
      if (!closed) onError(error);
    }
  }

  return {
    ready: requestScan(),
    scan: requestScan,
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(debounceTimer);
        clearTimeout(settleTimer);
        clearInterval(rescanTimer);
        watches.close();
        await (queued ?? running);
      })();
      return closing;
    },
  };
}

/** Each directory and its visible subfolders: a plugin.json written into one is an event there. */
async function foldersToWatch(roots: readonly string[]): Promise<string[]> {
  const lists = await Promise.all(
    roots.map(async (root) => {
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      const folders = entries
        .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
        .map((e) => join(root, e.name));
      return [root, ...folders];
    }),
  );
  return lists.flat();
}

/** Size and mtime of each plugin's main file: a file still being written is not settled. */
async function stampMains(plugins: readonly DiscoveredPlugin[]): Promise<Map<string, string>> {
  const stamps = await Promise.all(
    plugins.map((plugin) =>
      stat(plugin.mainPath).then(
        (s) => `${s.size}:${s.mtimeMs}`,
        () => 'unreadable',
      ),
    ),
  );
  return new Map(plugins.map((plugin, index) => [plugin.dir, stamps[index] ?? '']));
}

function checkDelays(delays: Record<string, number>): void {
  for (const [name, value] of Object.entries(delays)) {
    if (Number.isFinite(value) && value >= 0) continue;
    throw new BerthError(
      codes.CONFIG_INVALID,
      `watchPluginDirs: ${name} must be a finite number of milliseconds, 0 or more; got ${String(value)}`,
      { data: { option: name, value } },
    );
  }
}

function asWarning(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
