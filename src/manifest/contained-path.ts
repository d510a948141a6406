/**
 * Whether a path from a manifest stays inside the plugin's folder. A plugin may only
 * point at its own files: `main` and migrations that lead elsewhere could make the host
 * load or run code the plugin does not ship.
 */
import { isAbsolute, posix, relative, sep } from 'node:path';

/** Why a manifest path leaves the plugin folder. */
export type PathEscape = 'absolute' | 'outside';

// A drive letter (`C:\x`, `C:x`) or a URL scheme (`file:///x`): neither is a path
// relative to the plugin folder, whatever platform the host runs on.
const SCHEME_OR_DRIVE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Checks a relative path as written in a manifest, without the filesystem. Returns
 * undefined when it stays inside the folder after normalisation, otherwise why not.
 * Backslashes count as separators, so a manifest written on Windows is judged the same
 * on every host.
 */
export function checkContainedPath(path: string): PathEscape | undefined {
  const slashed = path.replaceAll('\\', '/');
  if (slashed.startsWith('/') || SCHEME_OR_DRIVE.test(slashed)) return 'absolute';
  const normal = posix.normalize(slashed);
  if (normal === '..' || normal.startsWith('../')) return 'outside';
  return undefined;
}

/**
 * True when `target` is `root` or lies beneath it. Both must be absolute and already
 * resolved (realpaths, when symlinks matter); this compares paths, it does not touch
 * the filesystem.
 */
export function isInsideDir(root: string, target: string): boolean {
  const rel = relative(root, target);
  if (rel === '') return true;
  // `rel` is absolute when the two are on different Windows drives.
  return !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}
