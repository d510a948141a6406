/**
 * `diffDiscovery`: what changed between two discovery scans, as events a host can act
 * on. Pure (no filesystem, no clock), so the rules below are unit-tested directly.
 *
 * Plugins are tracked by folder. A change is reported only once two scans in a row agree
 * on it, so a folder being copied in, replaced or rewritten is judged when it has settled,
 * not half way:
 *
 *   folder seen as…        then, settled, as…          event
 *   (nothing)              a valid plugin              added
 *   plugin vX              plugin vY (Y ≠ X)           changed   (an upgrade candidate)
 *   plugin                 (nothing)                   removed
 *   anything               broken                      problem   (once per distinct error)
 *   plugin                 broken                      problem only: the running plugin stays
 *
 * A folder named in a problem (its own error, a duplicate name, a plugin directory that
 * cannot be read) is "held": it is never reported removed for that, so a broken drop-in
 * changes nothing that runs.
 */
import { sep } from 'node:path';

import { codes } from '../errors.js';
import type { DiscoveredPlugin, DiscoveryProblem, DiscoveryResult } from './discovery-result.js';

/** What a watcher reports. `plugin.dir` identifies the folder in every plugin event. */
export type PluginDirEvent =
  | { type: 'added'; plugin: DiscoveredPlugin }
  | { type: 'changed'; plugin: DiscoveredPlugin; previous: DiscoveredPlugin }
  | { type: 'removed'; plugin: DiscoveredPlugin }
  | { type: 'problem'; problem: DiscoveryProblem };

/** One scan: a discovery result, and optionally a stamp per plugin folder. */
export interface DiscoveryScan {
  result: DiscoveryResult;
  /**
   * Folder -> a stamp of its files (the watcher uses the main file's size and mtime), so
   * a main file still being written keeps the folder unsettled.
   */
  stamps?: ReadonlyMap<string, string> | undefined;
}

/** One scan, indexed (part of {@link DiffState}; no need to look inside). */
export interface ScanSnapshot {
  plugins: Map<string, DiscoveredPlugin>;
  fingerprints: Map<string, string>;
  problems: Map<string, DiscoveryProblem>;
  /** Folders and directories named by problems: nothing beneath them counts as gone. */
  held: string[];
}

/** What the listener has been told so far, and the previous scan. Treat as opaque. */
export interface DiffState {
  readonly told: ReadonlyMap<string, DiscoveredPlugin>;
  readonly toldProblems: ReadonlySet<string>;
  readonly last: ScanSnapshot | undefined;
}

/** The events of one scan, the state to pass next time, and whether anything is pending. */
export interface DiffOutcome {
  state: DiffState;
  events: PluginDirEvent[];
  /**
   * False when this scan differs from the one before: something may still be changing,
   * so scan again soon to confirm it (nothing is reported until two scans agree).
   */
  settled: boolean;
}

/**
 * The starting state. With a `baseline` (what the host discovered and acted on at start),
 * its plugins and problems count as already told, so only later changes are reported;
 * without one, the first settled scan reports every plugin as added.
 */
export function createDiffState(baseline?: DiscoveryResult): DiffState {
  if (baseline === undefined) return { told: new Map(), toldProblems: new Set(), last: undefined };
  const last = snapshot({ result: baseline });
  return { told: new Map(last.plugins), toldProblems: new Set(last.problems.keys()), last };
}

/**
 * Compares `scan` with the previous one and with what was told. Events come in this
 * order: removed, then added and changed (by folder), then problems. Never mutates
 * `state` or `scan`.
 */
export function diffDiscovery(state: DiffState, scan: DiscoveryScan): DiffOutcome {
  const now = snapshot(scan);
  const prev = state.last;
  const told = new Map(state.told);
  const toldProblems = new Set(state.toldProblems);
  const removed: PluginDirEvent[] = [];
  const appeared: PluginDirEvent[] = [];
  const steady = (dir: string): boolean =>
    prev !== undefined &&
    now.fingerprints.has(dir) &&
    prev.fingerprints.get(dir) === now.fingerprints.get(dir);
  const goneIn = (snap: ScanSnapshot, dir: string): boolean =>
    !snap.plugins.has(dir) && !isHeld(snap, dir);

  for (const [dir, old] of state.told) {
    const current = now.plugins.get(dir);
    const gone =
      current === undefined && goneIn(now, dir) && prev !== undefined && goneIn(prev, dir);
    const renamed =
      current !== undefined && steady(dir) && current.manifest.name !== old.manifest.name;
    if (gone || renamed) {
      removed.push({ type: 'removed', plugin: old });
      told.delete(dir);
    }
  }
  for (const [dir, plugin] of now.plugins) {
    if (!steady(dir)) continue;
    const previous = told.get(dir);
    told.set(dir, plugin);
    if (previous === undefined) appeared.push({ type: 'added', plugin });
    else if (previous.manifest.version !== plugin.manifest.version)
      appeared.push({ type: 'changed', plugin, previous });
  }

  const problems: PluginDirEvent[] = [];
  for (const [key, problem] of now.problems) {
    if (prev?.problems.has(key) !== true || toldProblems.has(key)) continue;
    problems.push({ type: 'problem', problem });
    toldProblems.add(key);
  }
  // A problem fixed for good may be told again if it ever comes back.
  for (const key of state.toldProblems) {
    if (!now.problems.has(key) && prev?.problems.has(key) === false) toldProblems.delete(key);
  }

  return {
    state: { told, toldProblems, last: now },
    events: [...removed, ...appeared, ...problems],
    settled: prev !== undefined && sameSnapshot(prev, now),
  };
}

function snapshot({ result, stamps }: DiscoveryScan): ScanSnapshot {
  const plugins = new Map(result.plugins.map((plugin) => [plugin.dir, plugin]));
  const fingerprints = new Map(
    result.plugins.map((plugin) => [
      plugin.dir,
      JSON.stringify([plugin.manifest, plugin.mainPath, stamps?.get(plugin.dir) ?? null]),
    ]),
  );
  const problems = new Map(result.problems.map((problem) => [problemKey(problem), problem]));
  return { plugins, fingerprints, problems, held: result.problems.flatMap(heldBy) };
}

/** Distinct errors are distinct problems; the same error met again is the same one. */
function problemKey({ dir, error }: DiscoveryProblem): string {
  return JSON.stringify([dir, error.code, error.message]);
}

function heldBy({ dir, error }: DiscoveryProblem): string[] {
  const dirs = error.data?.['dirs'];
  if (error.code === codes.PLUGIN_DUPLICATE && Array.isArray(dirs)) {
    return dirs.filter((d): d is string => typeof d === 'string');
  }
  return [dir];
}

function isHeld(snap: ScanSnapshot, dir: string): boolean {
  return snap.held.some(
    (root) => dir === root || dir.startsWith(root.endsWith(sep) ? root : root + sep),
  );
}

function sameSnapshot(a: ScanSnapshot, b: ScanSnapshot): boolean {
  if (a.fingerprints.size !== b.fingerprints.size || a.problems.size !== b.problems.size)
    return false;
  for (const [dir, fingerprint] of a.fingerprints) {
    if (b.fingerprints.get(dir) !== fingerprint) return false;
  }
  for (const key of a.problems.keys()) if (!b.problems.has(key)) return false;
  return true;
}
