import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { ownSchemaAjv } from '../../../src/config/create-ajv.js';
import { checkManifestSchema } from '../../../src/manifest/manifest-schema.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const schema = JSON.parse(readFileSync(join(root, 'docs/plugin.schema.json'), 'utf8')) as Record<
  string,
  unknown
>;

/** Every plugin.json of the repository: bundled plugins, test fixtures, bench targets. */
function manifestsInRepo(): string[] {
  return ['plugins', 'test/fixtures/plugins', 'bench/plugins'].flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name, 'plugin.json'))
      .filter((path) => {
        try {
          readFileSync(join(root, path));
          return true;
        } catch {
          return false;
        }
      }),
  );
}

/** Properties with a schema that lack a description, as `path.to.key`. */
function undescribed(node: unknown, path: string): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const { properties, $defs } = node as { properties?: object; $defs?: object };
  return [
    ...Object.entries(properties ?? {}).flatMap(([key, sub]) => [
      ...('description' in (sub as object) || '$ref' in (sub as object) ? [] : [`${path}${key}`]),
      ...undescribed(sub, `${path}${key}.`),
    ]),
    ...Object.entries($defs ?? {}).flatMap(([key, sub]) => undescribed(sub, `$defs.${key}.`)),
  ];
}

describe('docs/plugin.schema.json', () => {
  it('is valid JSON Schema 2020-12 with an $id, and describes every field for editors', () => {
    expect(ownSchemaAjv().validateSchema(schema)).toBe(true);
    expect(schema['$id']).toEqual(expect.any(String));
    expect(undescribed(schema, '')).toEqual([]);
  });

  const manifests = manifestsInRepo();
  it('finds the plugin.json files of the repository', () => {
    expect(manifests.length).toBeGreaterThan(20);
  });

  it.each(manifests)('accepts %s', (path) => {
    expect(checkManifestSchema(JSON.parse(readFileSync(join(root, path), 'utf8')))).toEqual([]);
  });

  const good = {
    name: 'demo',
    version: '1.0.0',
    engines: { berth: '^1.0.0' },
    main: 'dist/index.js',
    services: [{ name: 'storage', contract: 'storage@1' }],
  };
  const service = (extra: object): object => ({
    ...good,
    services: [{ name: 'storage', contract: 'storage@1', ...extra }],
  });

  it.each([
    ['an unknown top-level key', { ...good, servceOrder: [] }, 'servceOrder'],
    ['a name with capitals', { ...good, name: 'Demo' }, 'name'],
    ['a version with a leading v', { ...good, version: 'v1.0.0' }, 'version'],
    ['a blank main', { ...good, main: '  ' }, 'main'],
    ['no services', { ...good, services: [] }, 'services'],
    ['an unknown isolation', service({ isolation: 'vm' }), 'services[0].isolation'],
    ['zero threads', service({ threads: 0 }), 'services[0].threads'],
    ['a host variable in env', { ...good, env: ['BERTH_ADMIN_TOKEN'] }, 'env[0]'],
    ['a tiny arena', { ...good, arenaBytes: 1024 }, 'arenaBytes'],
    [
      'an unknown resource limit',
      service({ resourceLimits: { heapMb: 1 } }),
      'services[0].resourceLimits.heapMb',
    ],
  ])('refuses %s, naming the field', (_what, manifest, field) => {
    expect(checkManifestSchema(manifest).map((p) => p.field)).toContain(field);
  });

  it('words a problem for the author: the expectation, the value, the nearest known key', () => {
    expect(checkManifestSchema(service({ isolaton: 'pool', isolation: 'vm' }))).toEqual([
      {
        field: 'services[0].isolaton',
        expected: 'absent (it is not a field of services[0]; did you mean "isolation"?)',
        got: '"pool"',
      },
      {
        field: 'services[0].isolation',
        expected: 'one of "thread", "pool", "process", "inline"',
        got: '"vm"',
      },
    ]);
  });
});
