/**
 * `parseManifest`: turns the parsed JSON of a plugin.json into a {@link PluginManifest},
 * or explains everything wrong with it. Pure: no filesystem, no plugin code, so it runs
 * before anything of the plugin's loads (`readManifest` adds the filesystem checks).
 */
import semver from 'semver';

import { BerthError, codes } from '../errors.js';
import { BERTH_VERSION } from '../version.js';
import { checkContainedPath } from './contained-path.js';
import type { PathEscape } from './contained-path.js';
import { checkEngineRange, isEngineRange } from './engine-range.js';
import { checkKnownKeys } from './known-keys.js';
import type { PluginManifest } from './manifest.js';
import { isPlainObject } from '../plain-object.js';
import { orDefault } from './parse-service.js';
import { parseServices } from './parse-services.js';
import { describeValue, fieldPath, invalidManifest, ProblemList } from './problem-list.js';

/** Options for {@link parseManifest} and `readManifest`. */
export interface ParseManifestOptions {
  /** The Berth version `engines.berth` must include; defaults to this Berth's. */
  hostVersion?: string | undefined;
}

/** Plugin names: lower-case kebab-case, at most 214 characters like an npm package. */
export const PLUGIN_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 214;

const MANIFEST_KEYS = [
  '$schema',
  'name',
  'version',
  'description',
  'engines',
  'main',
  'services',
  'serviceOrder',
  'migrations',
  'arenaBytes',
  'env',
] as const;

/** An environment variable's name; the host's own (`BERTH_*`) are never a plugin's. */
const ENV_NAME = /^(?!BERTH_)[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Validates a manifest and returns it with defaults applied (`description: ''`,
 * `serviceOrder` = the services in declared order, `migrations: []`, and the service
 * defaults). It throws, in this order:
 * - `ENGINE_INCOMPATIBLE` when `engines.berth` is a valid range that excludes the host
 *   version, whatever else is wrong, since a manifest made for another Berth may
 *   legitimately use fields this one does not know;
 * - `MANIFEST_INVALID` listing every problem, `data.field` the first one's path;
 * - `PATH_ESCAPE` when `main` or a migration is absolute or leads out of the folder.
 * `file` is used in messages only. The result shares no objects with `raw`'s top level,
 * but `defaultConfig` and `configSchema` are the caller's objects.
 */
export function parseManifest(
  raw: unknown,
  file: string,
  options: ParseManifestOptions = {},
): PluginManifest {
  const problems = new ProblemList();
  if (!isPlainObject(raw)) {
    throw invalidManifest(file, [
      { field: '', expected: 'a JSON object', got: describeValue(raw) },
    ]);
  }
  // A const of the narrowed type, since narrowing does not reach into `check` below.
  const fields: Record<string, unknown> = raw;
  const plugin = typeof raw['name'] === 'string' ? raw['name'] : undefined;

  const engines = raw['engines'];
  const range = isPlainObject(engines) ? engines['berth'] : undefined;
  if (typeof range === 'string' && isEngineRange(range)) {
    checkEngineRange(range, options.hostVersion ?? BERTH_VERSION, file, plugin);
  }

  checkKnownKeys(raw, MANIFEST_KEYS, '', problems);
  check(raw['$schema'] === undefined || typeof raw['$schema'] === 'string', '$schema', 'a string');

  const { name, version, main } = raw;
  const description = orDefault(raw['description'], '');
  check(
    typeof name === 'string' && name.length <= MAX_NAME_LENGTH && PLUGIN_NAME.test(name),
    'name',
    'a lower-case kebab-case name of at most 214 characters such as "sqlite-storage"',
  );
  check(
    typeof version === 'string' && semver.valid(version) === version,
    'version',
    'a semver version such as "1.0.0"',
  );
  check(typeof description === 'string', 'description', 'a string');

  if (!isPlainObject(engines)) {
    problems.add('engines', 'an object such as { "berth": "^1.0.0" }', engines);
  } else {
    checkKnownKeys(engines, ['berth'], 'engines', problems);
    const ok = typeof range === 'string' && isEngineRange(range);
    check(ok, 'engines.berth', 'a semver range of Berth versions such as "^1.0.0"', range);
  }

  check(
    isRelativePathText(main),
    'main',
    'a path relative to the plugin folder such as "dist/index.js"',
  );

  const { services, serviceOrder } = parseServices(raw['services'], raw['serviceOrder'], problems);
  const migrations = parseMigrations(raw['migrations'], problems);
  const arenaBytes = raw['arenaBytes'];
  if (arenaBytes !== undefined) {
    check(
      Number.isInteger(arenaBytes) && (arenaBytes as number) >= 65_536,
      'arenaBytes',
      'a whole number of bytes, at least 65536 (the result arena of the plugin worker)',
    );
  }

  const env = orDefault(raw['env'], []);
  check(
    Array.isArray(env) && env.every((item) => typeof item === 'string' && ENV_NAME.test(item)),
    'env',
    'an array of environment variable names the plugin needs, such as ["AWS_REGION"] (never BERTH_*)',
  );

  problems.throwIfAny(file, plugin);
  const manifest: PluginManifest = {
    name: name as string,
    version: version as string,
    description: description as string,
    engines: { berth: range as string },
    main: main as string,
    services,
    serviceOrder,
    migrations,
    env: [...(env as string[])],
  };
  if (typeof arenaBytes === 'number') manifest.arenaBytes = arenaBytes;
  checkPaths(manifest, file);
  return manifest;

  function check(ok: boolean, field: string, expected: string, got: unknown = fields[field]): void {
    if (!ok) problems.add(field, expected, got);
  }
}

function parseMigrations(raw: unknown, problems: ProblemList): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.add('migrations', 'an array of paths relative to the plugin folder', raw);
    return [];
  }
  raw.forEach((item: unknown, index) => {
    if (!isRelativePathText(item)) {
      const expected = 'a path relative to the plugin folder such as "migrations/001_init.sql"';
      problems.add(fieldPath('migrations', index), expected, item);
    }
  });
  return [...(raw as string[])];
}

/** A non-empty string that can name a file; whether it escapes is checked separately. */
function isRelativePathText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && !value.includes('\0');
}

const ESCAPE_TEXT = {
  absolute: 'is absolute',
  outside: 'leads out of the folder',
} as const satisfies Record<PathEscape, string>;

/** Throws `PATH_ESCAPE` naming every path of `manifest` that leaves the plugin folder. */
function checkPaths(manifest: PluginManifest, file: string): void {
  const paths = [
    { field: 'main', path: manifest.main },
    ...manifest.migrations.map((path, index) => ({ field: fieldPath('migrations', index), path })),
  ];
  const escapes = paths.flatMap(({ field, path }) => {
    const reason = checkContainedPath(path);
    return reason === undefined ? [] : [{ field, path, reason }];
  });
  const first = escapes[0];
  if (first === undefined) return;
  const listed = escapes.map(
    (e) => `${e.field} (${JSON.stringify(e.path)} ${ESCAPE_TEXT[e.reason]})`,
  );
  throw new BerthError(
    codes.PATH_ESCAPE,
    `plugin.json at ${file}: ${listed.join(', ')}: a path in the manifest must stay inside ` +
      `the plugin folder; write it relative to the folder, without "..", such as "dist/index.js"`,
    {
      plugin: manifest.name,
      data: { file, field: first.field, path: first.path, escapes: escapes.map((e) => ({ ...e })) },
    },
  );
}
