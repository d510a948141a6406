/**
 * `installDependencies`: runs `npm install` in a new plugin folder, its progress shown
 * as npm prints it. The npm cache is preferred over the network (`--prefer-offline`):
 * the scaffold's tools are the ones Berth itself is built with, so they are usually
 * cached already, and the install then works without a network.
 */
import { spawn } from 'node:child_process';
import { BerthError, codes } from '../../index.js';

/** The arguments given to npm. */
export const NPM_INSTALL_ARGS = ['install', '--prefer-offline', '--no-audit', '--no-fund'] as const;

/** Options for {@link installDependencies}. */
export interface InstallOptions {
  /** Where npm's output goes; default: this process's own stdout and stderr. */
  stdio?: 'inherit' | 'ignore';
  /** The npm command; default `npm` (`npm.cmd` on Windows). */
  npm?: string;
}

/**
 * Resolves once `npm install` in `dir` has succeeded. Throws `BERTH_ERR_INSTALL_FAILED`
 * when npm cannot be started or exits with a failure; the message says how to finish by
 * hand. It never deletes what npm left behind.
 */
export async function installDependencies(
  dir: string,
  options: InstallOptions = {},
): Promise<void> {
  const windows = process.platform === 'win32';
  const npm = options.npm ?? (windows ? 'npm.cmd' : 'npm');
  const failure = (what: string, cause?: unknown): BerthError =>
    new BerthError(
      codes.INSTALL_FAILED,
      `npm install in ${dir} ${what}; the plugin's files are written: fix the problem npm ` +
        `reported, then run "npm install" there (or run berth init again with --no-install)`,
      { cause, data: { dir } },
    );
  await new Promise<void>((resolve, reject) => {
    const child = spawn(npm, NPM_INSTALL_ARGS, {
      cwd: dir,
      stdio: options.stdio ?? 'inherit',
      // Node 20 spawns a .cmd file only through a shell (CVE-2024-27980).
      shell: windows,
    });
    child.once('error', (error) => reject(failure(`could not start (${error.message})`, error)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(failure(signal === null ? `exited with code ${code}` : `was killed (${signal})`));
    });
  });
}
