/**
 * `findNpmPluginFolders`: the plugin folders that npm packages declare. A package is a
 * Berth plugin when its package.json has a `berth` field naming its plugin.json, e.g.
 * `"berth": "plugin.json"` or `"berth": "dist/plugin.json"`; the folder holding that
 * file is then read like any plugin folder.
 *
 * Cheap by design: only the direct dependencies of each project root are looked at
 * (`dependencies` and `optionalDependencies` of `<root>/package.json`), so one package.json
 * is read per dependency, never a walk of node_modules. Transitive dependencies and
 * devDependencies are never plugins.
 */
import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { checkContainedPath, isInsideDir } from '../manifest/contained-path.js';
import { MANIFEST_FILE } from '../manifest/read-manifest.js';
import type { DiscoveryProblem } from './discovery-result.js';
import { isPlainObject } from '../plain-object.js';

/** A plugin folder declared by an installed package. */
export interface NpmPluginFolder {
  /** The folder holding the package's plugin.json, absolute, symlinks not resolved. */
  dir: string;
  /** The package's name, `@scope/name` for a scoped one. */
  packageName: string;
}

/** The folders found and the packages (or roots) that could not be used. */
export interface NpmPluginFolders {
  folders: NpmPluginFolder[];
  problems: DiscoveryProblem[];
}

// What npm accepts as a dependency name, and nothing that could leave node_modules.
const PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;

/**
 * Looks for plugin packages among the direct dependencies of each root, in
 * `<root>/node_modules/<name>`. Never throws for a package's fault: a root whose
 * package.json is missing or unreadable is a `PLUGIN_DIR_NOT_FOUND` problem (unless it
 * is in `optional`, then it has no plugins); a package whose `berth` field is not a
 * relative path to a plugin.json is `MANIFEST_INVALID`, one that leads out of the package
 * folder (`..`, an absolute path, a symlink) is `PATH_ESCAPE`, and one whose file is
 * missing is `MANIFEST_NOT_FOUND`. A dependency that is not installed, or whose
 * package.json has no `berth` field, is silently not a plugin. Folders come sorted by
 * package name within each root.
 */
export async function findNpmPluginFolders(
  roots: readonly string[],
  optional: readonly string[] = [],
): Promise<NpmPluginFolders> {
  const optionalRoots = new Set(optional.map((root) => resolve(root)));
  const found: NpmPluginFolders = { folders: [], problems: [] };
  for (const root of new Set(roots.map((r) => resolve(r)))) {
    const names = await directDependencies(root, optionalRoots.has(root));
    if (names instanceof BerthError) {
      found.problems.push({ dir: root, error: names, source: 'npm' });
      continue;
    }
    const checked = await Promise.all(names.map((name) => checkPackage(root, name)));
    for (const result of checked) {
      if (result === undefined) continue;
      if ('error' in result) found.problems.push(result);
      else found.folders.push(result);
    }
  }
  return found;
}

/** The sorted, well-formed names in the root's dependencies, or why they cannot be read. */
async function directDependencies(root: string, optional: boolean): Promise<string[] | BerthError> {
  const file = join(root, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const { code } = error as { code?: unknown };
    if (optional && (code === 'ENOENT' || code === 'ENOTDIR')) return [];
    return rootError(root, file, `cannot be read (${describeThrown(error)})`, error);
  }
  const parsed = parseObject(text);
  if (parsed === undefined) return rootError(root, file, 'is not a JSON object', undefined);
  const names = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies']) {
    const deps = parsed[field];
    if (typeof deps !== 'object' || deps === null) continue;
    for (const name of Object.keys(deps)) if (PACKAGE_NAME.test(name)) names.add(name);
  }
  return [...names].sort();
}

function rootError(root: string, file: string, why: string, cause: unknown): BerthError {
  return new BerthError(
    codes.PLUGIN_DIR_NOT_FOUND,
    `npm root ${root}: ${file} ${why}; plugin packages are looked for among its ` +
      `dependencies, so give a project folder with a package.json, or fix the npm roots option`,
    { cause, data: { dir: root, file } },
  );
}

/** The package's plugin folder, its problem, or undefined when it is not a plugin. */
async function checkPackage(
  root: string,
  name: string,
): Promise<NpmPluginFolder | DiscoveryProblem | undefined> {
  const packageDir = join(root, 'node_modules', ...name.split('/'));
  const packageFile = join(packageDir, 'package.json');
  let text: string;
  try {
    text = await readFile(packageFile, 'utf8');
  } catch {
    return undefined; // not installed (an optional dependency on another platform, say)
  }
  // A package.json npm itself could not read declares nothing we could trust.
  const declared = parseObject(text)?.['berth'];
  if (declared === undefined) return undefined;

  const problem = (error: BerthError): DiscoveryProblem => ({
    dir: packageDir,
    error,
    source: 'npm',
    packageName: name,
  });
  const data = { file: packageFile, field: 'berth', path: declared, package: name };
  const declaredPath = checkDeclared(name, packageFile, declared);
  if (declaredPath instanceof BerthError) return problem(declaredPath);
  const manifestPath = resolve(packageDir, declaredPath.replaceAll('\\', '/'));
  let real: string;
  let realPackage: string;
  try {
    [real, realPackage] = await Promise.all([realpath(manifestPath), realpath(packageDir)]);
  } catch (error) {
    return problem(
      new BerthError(
        codes.MANIFEST_NOT_FOUND,
        `package "${name}" declares "berth": ${JSON.stringify(declared)} but ${manifestPath} ` +
          `cannot be read (${describeThrown(error)}); check that the package ships it ` +
          `(its "files" list) or fix the field`,
        { cause: error, data: { ...data, dir: dirname(manifestPath) } },
      ),
    );
  }
  // Judged on real paths, like `main`: the package folder itself may be a link (npm link,
  // workspaces), but its plugin.json must not lead out of it.
  if (!isInsideDir(realPackage, real)) {
    return problem(
      new BerthError(
        codes.PATH_ESCAPE,
        `package "${name}": "berth" (${JSON.stringify(declared)}) resolves to ${real} ` +
          `through a symlink, outside the package folder ${realPackage}; the plugin.json ` +
          `must be a file of the package itself`,
        { data: { ...data, real } },
      ),
    );
  }
  return { dir: dirname(manifestPath), packageName: name };
}

/**
 * The `berth` field of a package.json as the path of its plugin.json, or why it cannot
 * be one: it must be a relative path inside the package to a file named plugin.json.
 */
function checkDeclared(name: string, packageFile: string, declared: unknown): string | BerthError {
  const data = { file: packageFile, field: 'berth', path: declared, package: name };
  const escape = typeof declared === 'string' ? checkContainedPath(declared) : undefined;
  if (escape !== undefined) {
    return new BerthError(
      codes.PATH_ESCAPE,
      `package "${name}" (${packageFile}): "berth" is ${JSON.stringify(declared)}, ` +
        `${escape === 'absolute' ? 'an absolute path' : 'a path that leads out of the package'}; ` +
        `it must name the plugin.json inside the package, relative to it`,
      { data },
    );
  }
  if (typeof declared !== 'string' || basename(declared.replaceAll('\\', '/')) !== MANIFEST_FILE) {
    return new BerthError(
      codes.MANIFEST_INVALID,
      `package "${name}" (${packageFile}): "berth" must be a relative path to the ` +
        `package's ${MANIFEST_FILE}, such as "${MANIFEST_FILE}" or "dist/${MANIFEST_FILE}"; ` +
        `got ${JSON.stringify(declared)}`,
      {
        data: {
          ...data,
          expected: `a relative path to a file named ${MANIFEST_FILE}`,
        },
      },
    );
  }
  return declared;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
