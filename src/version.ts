/**
 * The version of this copy of Berth, the one plugins' `engines.berth` ranges are checked
 * against, and where this copy is installed (its bundled plugins are beside it).
 *
 * It is read from Berth's own package.json at load time rather than imported: a JSON
 * import would need import attributes, and `rootDir: "."` would copy package.json into
 * dist/. Walking up from this module finds the file both from src/ (vitest, tsx) and from
 * dist/src/ (the build), and in an installed copy under node_modules/berth/.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'berth';

function findOwnPackage(): { dir: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const version = versionAt(join(dir, 'package.json'));
    if (version !== undefined) return { dir, version };
    const parent = dirname(dir);
    // dirname of a root is the root itself: the walk has nowhere left to go.
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `Berth cannot find its own package.json (named "${PACKAGE_NAME}") above ${fileURLToPath(import.meta.url)}; the installation is incomplete`,
  );
}

/** The version in `file` when it is Berth's package.json; undefined for any other file. */
function versionAt(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // Some other package's broken package.json on the way up is not Berth's problem.
  }
  return undefined;
}

const ownPackage = findOwnPackage();

/**
 * This Berth's version, from its package.json. Read once, when the module loads; it
 * never changes afterwards. Importing this module throws if the file cannot be found.
 */
export const BERTH_VERSION: string = ownPackage.version;

/**
 * The plugins that ship with this Berth (the storage plugins): the `plugins` folder of
 * its package, wherever it is installed, whatever the working directory. A real path
 * (Node resolves symlinks on the way to a module), so it compares equal to itself given
 * through a symlinked node_modules once that is resolved too.
 */
export const BUNDLED_PLUGINS_DIR: string = join(ownPackage.dir, 'plugins');
