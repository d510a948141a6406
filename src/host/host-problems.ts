/**
 * What `host.problems()` reports: plugin folders the host could not take, each with its
 * error. Some are found by discovery (a broken manifest, two plugins of one name, a
 * plugin directory that cannot be read), at start or while the host watches its plugin
 * directories; others by the host itself (an installed folder that no longer loads, a
 * drop-in that did not start, an upgrade that failed).
 *
 * A problem is forgotten when its folder is fixed: when the host is told the folder now
 * holds a working plugin (`clear`), or, for discovery's own problems, once two scans in
 * a row no longer find it (`settle`), as the watcher's rule for a change is two scans
 * that agree.
 */
import type { DiscoveryProblem } from '../discovery/index.js';

/** Who found a problem: discovery (re-checked by every scan) or the host. */
export type ProblemOrigin = 'scan' | 'host';

interface Entry {
  problem: DiscoveryProblem;
  origin: ProblemOrigin;
}

/** The problems of one host; see the module comment. */
export class HostProblems {
  readonly #entries = new Map<string, Entry>();
  #lastScan = new Set<string>();
  #list: readonly DiscoveryProblem[] | undefined;

  /**
   * Reports `problem`; false when the same problem (folder, code and message) is already
   * reported, which it then stays, once.
   */
  add(problem: DiscoveryProblem, origin: ProblemOrigin): boolean {
    const key = problemKey(problem);
    if (this.#entries.has(key)) return false;
    this.#entries.set(key, { problem, origin });
    this.#list = undefined;
    return true;
  }

  /** Reports each of `problems` (see {@link add}). */
  addAll(problems: readonly DiscoveryProblem[], origin: ProblemOrigin): void {
    for (const problem of problems) this.add(problem, origin);
  }

  /** Forgets every problem of the folder `dir`, whoever found it. */
  clear(dir: string): void {
    for (const [key, { problem }] of this.#entries) {
      if (problem.dir === dir) this.#forget(key);
    }
  }

  /**
   * Takes the problems of one discovery scan: a problem discovery reported before and
   * found in neither this scan nor the one before is forgotten. Adds nothing: new
   * problems come through `add`, once the watcher has confirmed them.
   */
  settle(scanned: readonly DiscoveryProblem[]): void {
    const now = new Set(scanned.map(problemKey));
    for (const [key, { origin }] of this.#entries) {
      if (origin === 'scan' && !now.has(key) && !this.#lastScan.has(key)) this.#forget(key);
    }
    this.#lastScan = now;
  }

  /** Every problem reported and not forgotten, oldest first. The array is not changed later. */
  list(): readonly DiscoveryProblem[] {
    this.#list ??= [...this.#entries.values()].map((entry) => entry.problem);
    return this.#list;
  }

  #forget(key: string): void {
    this.#entries.delete(key);
    this.#list = undefined;
  }
}

/** The same error met again in the same folder is the same problem (as in diff-discovery.ts). */
function problemKey({ dir, error }: DiscoveryProblem): string {
  return JSON.stringify([dir, error.code, error.message]);
}
