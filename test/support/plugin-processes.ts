/**
 * The plugin processes (process isolation) this test process started and that are still
 * alive, read from /proc: a test kills one the way a crash would, and checks that none is
 * left behind. Linux only, as the suite is.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Pids of live children of this process that run Berth's plugin-process entry, sorted. */
export async function pluginProcesses(parent = process.pid): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state (Z: exited, not yet reaped), fields[1] the parent's pid.
      if (fields[0] === 'Z' || Number(fields[1]) !== parent) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'latin1');
      if (cmdline.includes('plugin-process')) found.push(Number(entry));
    } catch {
      // Gone while it was being read.
    }
  }
  return found.sort((a, b) => a - b);
}
