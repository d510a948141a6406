/**
 * `readManifest`: reads a plugin folder's plugin.json, validates it, and checks against
 * the filesystem what `parseManifest` cannot: that the files it names exist and that no
 * symlink leads out of the folder. It never imports plugin code.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { isInsideDir } from './contained-path.js';
import { describeJsonError, jsonErrorPosition } from '../config/json-error-position.js';
import { fieldPath } from '../config/field-path.js';
import type { PluginManifest } from './manifest.js';
import { parseManifest } from './parse-manifest.js';
import type { ParseManifestOptions } from './parse-manifest.js';
import { invalidManifest } from './problem-list.js';
import type { ManifestProblem } from './problem-list.js';

/** The file name every plugin folder holds. */
export const MANIFEST_FILE = 'plugin.json';

/** A validated manifest and where its plugin lives; every path here is absolute. */
export interface LoadedManifest {
  manifest: PluginManifest;
  /** The plugin folder, as given but absolute (symlinks not resolved). */
  dir: string;
  /** `<dir>/plugin.json`. */
  manifestPath: string;
  /** The main module: an existing file whose real path is inside the real `dir`. */
  mainPath: string;
}

/**
 * Reads and validates `<dir>/plugin.json`. Throws a BerthError, never anything else:
 * `MANIFEST_NOT_FOUND` (missing or unreadable, the fs error as `cause`),
 * `MANIFEST_PARSE` (`data: { file, position, line, column }`), any error of
 * `parseManifest`, `MANIFEST_INVALID` when `main` or a migration is not an existing
 * file, and `PATH_ESCAPE` when one resolves outside the folder through a symlink.
 */
export async function readManifest(
  dir: string,
  options: ParseManifestOptions = {},
): Promise<LoadedManifest> {
  const absDir = resolve(dir);
  const manifestPath = join(absDir, MANIFEST_FILE);
  const raw = parseJson(await readText(manifestPath, absDir), manifestPath);
  const manifest = parseManifest(raw, manifestPath, options);

  const realDir = await realpath(absDir).catch((error: unknown) => {
    throw notFound(manifestPath, absDir, error);
  });
  const paths = [
    { field: 'main', path: manifest.main },
    ...manifest.migrations.map((path, index) => ({ field: fieldPath('migrations', index), path })),
  ];
  const checks = await Promise.all(paths.map((p) => checkFile(absDir, realDir, p.field, p.path)));
  const missing = checks.flatMap((c) => (c.kind === 'missing' ? [c.problem] : []));
  if (missing.length > 0) throw invalidManifest(manifestPath, missing, manifest.name);
  for (const check of checks) {
    if (check.kind !== 'escape') continue;
    throw new BerthError(
      codes.PATH_ESCAPE,
      `plugin.json at ${manifestPath}: ${check.field} (${JSON.stringify(check.path)}) ` +
        `resolves to ${check.real} through a symlink, outside the plugin folder ${realDir}; ` +
        `a path in the manifest must stay inside the plugin folder, so copy the file in ` +
        `instead of linking to it`,
      {
        plugin: manifest.name,
        data: { file: manifestPath, field: check.field, path: check.path, real: check.real },
      },
    );
  }
  return { manifest, dir: absDir, manifestPath, mainPath: nativePath(absDir, manifest.main) };
}

async function readText(manifestPath: string, dir: string): Promise<string> {
  try {
    return await readFile(manifestPath, 'utf8');
  } catch (error) {
    throw notFound(manifestPath, dir, error);
  }
}

function notFound(manifestPath: string, dir: string, error: unknown): BerthError {
  const { code } = error as { code?: unknown };
  const message =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? `no ${MANIFEST_FILE} in ${dir}; every plugin folder needs one`
      : `${MANIFEST_FILE} at ${manifestPath} cannot be read: ${describeThrown(error)}`;
  return new BerthError(codes.MANIFEST_NOT_FOUND, message, {
    cause: error,
    data: { file: manifestPath, dir },
  });
}

function parseJson(text: string, file: string): unknown {
  // Editors on Windows like to save UTF-8 with a byte order mark, which JSON.parse refuses.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const at = jsonErrorPosition(body);
    throw new BerthError(
      codes.MANIFEST_PARSE,
      `plugin.json at ${file} is not valid JSON: ${describeThrown(error)}${describeJsonError(at)}`,
      { cause: error, data: { file, ...(at ?? { position: 0, line: 1, column: 1 }) } },
    );
  }
}

/** What the filesystem says about one manifest path. */
type FileCheck =
  | { kind: 'ok' }
  | { kind: 'missing'; problem: ManifestProblem }
  | { kind: 'escape'; field: string; path: string; real: string };

async function checkFile(
  dir: string,
  realDir: string,
  field: string,
  path: string,
): Promise<FileCheck> {
  const missing = (why: string): FileCheck => ({
    kind: 'missing',
    problem: {
      field,
      expected:
        field === 'main'
          ? 'an existing file inside the plugin folder: build the plugin first'
          : 'an existing file inside the plugin folder',
      got: `${JSON.stringify(path)}, ${why}`,
    },
  });
  let real: string;
  try {
    real = await realpath(nativePath(dir, path));
  } catch (error) {
    const { code } = error as { code?: unknown };
    return missing(
      code === 'ENOENT' || code === 'ENOTDIR' ? 'which does not exist' : describeThrown(error),
    );
  }
  // Judge the real path: parseManifest already refused `..`, so only a symlink can lead out.
  if (!isInsideDir(realDir, real)) return { kind: 'escape', field, path, real };
  const isFile = await stat(real).then(
    (s) => s.isFile(),
    () => false,
  );
  return isFile ? { kind: 'ok' } : missing('which is not a file');
}

/**
 * A manifest path as a native absolute path. Backslashes are separators here too, so a
 * manifest written on Windows names the same file on every host.
 */
function nativePath(dir: string, path: string): string {
  return resolve(dir, path.replaceAll('\\', '/'));
}
