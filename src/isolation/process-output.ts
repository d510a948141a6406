/**
 * What a plugin process writes to its stdout and stderr (a `console.log`, a native
 * library's warning, Node's own last words), made into log lines of the plugin: each
 * line a pino-style record at info (stdout) or warn (stderr) level, through the
 * plugin's log intake and its limits. A line that never ends is cut at the line limit,
 * so a process cannot make the host hold an unbounded partial line.
 */
import type { Readable } from 'node:stream';

/** Node's message when a process runs out of heap (written to stderr before it aborts). */
const HEAP_OOM = /JavaScript heap out of memory|Reached heap limit/;

/** Levels pino gives info and warn. */
const LEVEL = { stdout: 30, stderr: 40 } as const;

/** Reads one output stream into log lines; tells `sawHeapOom` when Node's OOM message passes. */
export function readOutput(
  stream: Readable,
  name: 'stdout' | 'stderr',
  maxLineChars: number,
  take: (lines: string[]) => void,
  sawHeapOom: () => void,
): void {
  stream.setEncoding('utf8');
  let partial = '';
  const record = (msg: string): string => JSON.stringify({ level: LEVEL[name], msg, stream: name });
  stream.on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    if (partial.length > maxLineChars) {
      parts.push(partial);
      partial = '';
    }
    const lines = parts.filter((line) => line.length > 0);
    if (name === 'stderr' && lines.some((line) => HEAP_OOM.test(line))) sawHeapOom();
    if (lines.length > 0) take(lines.map(record));
  });
  stream.on('end', () => {
    if (partial.length > 0) take([record(partial)]);
    partial = '';
  });
}
