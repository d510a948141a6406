/**
 * `parseManifest`: turns the parsed JSON of a plugin.json into a {@link PluginManifest},
 * or explains everything wrong with it. Pure: no filesystem, no plugin code, so it runs
 * before anything of the plugin's loads (`readManifest` adds the filesystem checks).
 */
import { describeValue, fieldPath } from '../config/field-path.js';
import { BerthError, codes } from '../errors.js';
import { isPlainObject } from '../plain-object.js';
import { BERTH_VERSION } from '../version.js';
import { checkServices } from './check-services.js';
import { checkContainedPath } from './contained-path.js';
import type { PathEscape } from './contained-path.js';
import { checkEngineRange, engineRangeExample, isEngineRange } from './engine-range.js';
import type { Isolation, PluginManifest, ServiceManifest } from './manifest.js';
import { checkManifestSchema } from './manifest-schema.js';
import { invalidManifest, ProblemList } from './problem-list.js';

/** Options for {@link parseManifest} and `readManifest`. */
export interface ParseManifestOptions {
  /** The Berth version `engines.berth` must include; defaults to this Berth's. */
  hostVersion?: string | undefined;
}

/**
 * Validates a manifest against plugin.schema.json and the checks a schema cannot
 * express, and returns it with defaults applied (`description: ''`, `serviceOrder` = the
 * services in declared order, `migrations: []`, `env: []`, and the service defaults).
 * It throws, in this order:
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
  if (!isPlainObject(raw)) {
    throw invalidManifest(file, [
      { field: '', expected: 'a JSON object', got: describeValue(raw) },
    ]);
  }
  const plugin = typeof raw['name'] === 'string' ? raw['name'] : undefined;
  const engines = raw['engines'];
  const range = isPlainObject(engines) ? engines['berth'] : undefined;
  if (typeof range === 'string' && isEngineRange(range)) {
    checkEngineRange(range, options.hostVersion ?? BERTH_VERSION, file, plugin);
  }

  const problems = new ProblemList();
  // The schema's example range is fixed; the one suggested is one this host satisfies.
  const example = engineRangeExample(options.hostVersion ?? BERTH_VERSION);
  problems.addAll(
    checkManifestSchema(raw).map((p) =>
      p.field.startsWith('engines') ? { ...p, expected: p.expected.replace('^1.0.0', example) } : p,
    ),
  );
  // The schema checks it is a non-blank string; whether npm reads it as a range is code.
  if (typeof range === 'string' && range.trim() !== '' && !isEngineRange(range)) {
    problems.add('engines.berth', `a semver range of Berth versions such as "${example}"`, range);
  }
  checkServices(raw['services'], raw['serviceOrder'], problems);
  problems.throwIfAny(file, plugin);

  const manifest = withDefaults(raw);
  checkPaths(manifest, file);
  return manifest;
}

/** The manifest of a `raw` that passed every check, with the schema's defaults. */
function withDefaults(raw: Record<string, unknown>): PluginManifest {
  const services = (raw['services'] as Record<string, unknown>[]).map(serviceWithDefaults);
  const manifest: PluginManifest = {
    name: raw['name'] as string,
    version: raw['version'] as string,
    description: (raw['description'] as string | undefined) ?? '',
    engines: { berth: (raw['engines'] as { berth: string }).berth },
    main: raw['main'] as string,
    services,
    serviceOrder: [
      ...((raw['serviceOrder'] as string[] | undefined) ?? services.map((s) => s.name)),
    ],
    migrations: [...((raw['migrations'] as string[] | undefined) ?? [])],
    env: [...((raw['env'] as string[] | undefined) ?? [])],
  };
  if (typeof raw['arenaBytes'] === 'number') manifest.arenaBytes = raw['arenaBytes'];
  return manifest;
}

function serviceWithDefaults(raw: Record<string, unknown>): ServiceManifest {
  const service: ServiceManifest = {
    name: raw['name'] as string,
    contract: raw['contract'] as string,
    isolation: (raw['isolation'] as Isolation | undefined) ?? 'thread',
    threads: (raw['threads'] as number | undefined) ?? 1,
    defaultConfig: (raw['defaultConfig'] as Record<string, unknown> | undefined) ?? {},
    idempotent: [...((raw['idempotent'] as string[] | undefined) ?? [])],
  };
  const { configSchema, resourceLimits } = raw;
  if (configSchema !== undefined) service.configSchema = configSchema as Record<string, unknown>;
  if (resourceLimits !== undefined) {
    service.resourceLimits = { ...(resourceLimits as ServiceManifest['resourceLimits']) };
  }
  return service;
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
