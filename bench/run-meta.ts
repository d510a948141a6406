/**
 * Where and how a run was made: the machine, Node, the load, the plan, and which Berth
 * (its version, and the git commit when the bench runs from a checkout).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BERTH_VERSION } from '../src/index.js';
import type { Plan } from './plan.js';
import type { BenchMeta } from './results.js';

/** The commit of the checkout this module lives in (short hash, `+` if it has changes), or null. */
export function gitCommit(): string | null {
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const hash = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? hash : `${hash}+`;
  } catch {
    // An installed package: no git, or no checkout around it.
    return null;
  }
}

/** The meta of a run that started at `started` (ms) with the load `loadStart`. */
export function runMeta(plan: Plan, started: number, loadStart: number[]): BenchMeta {
  return {
    date: new Date(started).toISOString(),
    berth_version: BERTH_VERSION,
    commit: gitCommit(),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    total_memory_gb: Math.round(totalmem() / 2 ** 30),
    loadavg_start: loadStart,
    loadavg_end: loadavg(),
    quick: plan.quick,
    repeats: plan.repeats,
    window: plan.window,
    busy_threads: plan.contention.busyThreads,
    duration_s: (Date.now() - started) / 1000,
  };
}
