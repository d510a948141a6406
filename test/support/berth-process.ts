// The built `berth` CLI in a child process, as users run it: what the tests that spawn it share.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');

/** A running CLI: its process, everything it printed so far, and its exit. */
export interface BerthProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `berth ...args` in `cwd` with `env` (stdout and stderr collected together). */
export function runBerth(args: string[], cwd: string, env: NodeJS.ProcessEnv): BerthProcess {
  return runCommand(process.execPath, [berth, ...args], cwd, env);
}

/** Runs `command ...args` in `cwd` with `env` (stdout and stderr collected together). */
export function runCommand(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): BerthProcess {
  // A process group of its own, so that ending it ends what it started too (npx's node).
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

/** The service's URL, from its "berth serving on" log line; undefined if it exits first. */
export async function servingUrl(served: BerthProcess): Promise<string | undefined> {
  let exited = false;
  void served.exited.then(() => (exited = true));
  for (;;) {
    const found = /berth serving on (http:\/\/[\d.]+:\d+)/.exec(served.output());
    if (found?.[1] !== undefined) return found[1];
    if (exited) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Ends a CLI and every process of its group (SIGTERM), and waits until none is left: a
 * wrapper such as npx does not pass the signal on to the node it started.
 */
export async function endBerth(served: BerthProcess | undefined): Promise<void> {
  const pid = served?.child.pid;
  if (served === undefined || pid === undefined) return;
  const signal = (name: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pid, name);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!signal('SIGTERM')) return;
  for (let waited = 0; signal(0); waited += 50) {
    if (waited >= 10_000) signal('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await served.exited;
}
