/**
 * Stopping a forked server for good: the bench never leaves a child process behind.
 */
import type { ChildProcess } from 'node:child_process';

/** How long a child gets to die of SIGTERM before it gets SIGKILL. */
const KILL_AFTER_MS = 5_000;

/**
 * Kills `child` and resolves once it has exited. Safe to call twice, on a child that has
 * already exited, and with `undefined` (an open that failed before forking).
 */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
