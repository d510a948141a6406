/**
 * Where `POST /v1/plugins/install` may take plugins from: the host's plugin directories,
 * `node_modules` of its npm roots, and the folders the operator adds as `installFrom`.
 * Installing runs the plugin's code as the server's user, so a folder anywhere else is
 * refused, with an answer that is the same whether or not it exists: the refusal tells
 * a caller nothing about the server's filesystem.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BerthError, codes } from '../index.js';

/**
 * Resolves `dir` against `cwd` and returns it when it lies in one of `roots`, both as
 * written and after symbolic links are followed; otherwise throws BERTH_ERR_FORBIDDEN.
 * A folder that does not exist inside a root is returned as is, for the install to
 * report.
 */
export async function confineInstallDir(
  dir: string,
  roots: readonly string[],
  cwd = process.cwd(),
): Promise<string> {
  const target = resolve(cwd, dir);
  const absoluteRoots = roots.map((root) => resolve(cwd, root));
  if (!absoluteRoots.some((root) => within(root, target))) throw refused(dir);
  const real = await realpath(target).catch(() => undefined);
  if (real === undefined) return target;
  const realRoots = await Promise.all(
    absoluteRoots.map((root) => realpath(root).catch(() => root)),
  );
  if (!realRoots.some((root) => within(root, real))) throw refused(dir);
  return target;
}

function refused(dir: string): BerthError {
  return new BerthError(
    codes.FORBIDDEN,
    `plugins are installed only from the plugin directories, node_modules and the folders in installFrom; "${dir}" is not in one. Put the plugin in a plugin directory, or add its parent folder to installFrom in berth.config.json`,
    { data: { dir } },
  );
}

/** `target` is `root` or beneath it; both absolute. */
function within(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}
