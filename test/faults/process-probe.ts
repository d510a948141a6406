// Shared by the process-isolation fault tests: whether a process has ended, seen from
// outside it (it is not a child of the test, so there is no exit event to wait for).
import { readFileSync } from 'node:fs';

/** Whether process `pid` is still running: neither gone (ESRCH) nor a zombie. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  // A zombie has ended: it only waits for whichever process adopted it to reap it.
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves true once `pid` has ended, false if it is still running after `withinMs`. */
export async function hasEnded(pid: number, withinMs = 5_000): Promise<boolean> {
  for (let waited = 0; isRunning(pid); waited += 25) {
    if (waited >= withinMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}
