/**
 * CPU time, the figure production pays for besides latency: every thread of this process
 * (process.cpuUsage covers them all: the main thread, workers, libuv and V8's helpers),
 * plus the child processes that serve a peer's calls, read from /proc on Linux.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports a process's utime and stime in clock ticks of 1/100 s (USER_HZ). */
const US_PER_TICK = 10_000;

/** CPU µs (user + system) used so far by every thread of this process. */
export function processCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * CPU µs (user + system, all its threads) used so far by process `pid`, or 0 when it
 * cannot be read (not Linux, or the process is gone).
 */
export function childCpuUs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count after it.
  // Field 3 is the first after ")", so field n is at index n - 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return Number.isFinite(utime + stime) ? (utime + stime) * US_PER_TICK : 0;
}

/**
 * The ids of this process's children whose command line contains `marker`, e.g. the
 * process that runs a Berth plugin (`plugin-process`). Empty when /proc is not there.
 */
export function childrenRunning(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4 - 3]);
      if (parent !== process.pid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while it was read: not a child that serves anything.
    }
  }
  return found;
}

/** CPU µs used by this process and the processes `pids` together, so far. */
export function totalCpuUs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + childCpuUs(pid), processCpuUs());
}
