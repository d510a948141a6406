/**
 * What a plugin process uses, read by the host from the outside (/proc on Linux), never
 * asked of the process: a plugin that is not trusted does not report its own limits.
 *
 *   /proc/<pid>/status  VmRSS    resident memory, heap and off-heap (Buffers, native) alike
 *   /proc/<pid>/stat    utime + stime (fields 14 and 15, in clock ticks)
 *
 * Elsewhere (macOS, Windows) nothing is read, and the limits below are not enforced;
 * the heap limit (--max-old-space-size) still is.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux build Node runs on). */
const TICKS_PER_SECOND = 100;

/** One reading, or undefined when the process is gone or /proc is not there. */
export interface ProcessUsage {
  rssBytes: number;
  cpuSeconds: number;
}

/** Reads what process `pid` uses now. */
export function readProcessUsage(pid: number): ProcessUsage | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      rssBytes: rss === null ? 0 : Number(rss[1]) * 1024,
      cpuSeconds: Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : 0,
    };
  } catch {
    return undefined;
  }
}
