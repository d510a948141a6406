import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';

import { BerthError, codes } from '../../../src/errors.js';
import type { BerthErrorCode } from '../../../src/errors.js';
import { parseManifest } from '../../../src/manifest/index.js';
import type { ManifestProblem, PluginManifest } from '../../../src/manifest/index.js';
import { BERTH_VERSION } from '../../../src/version.js';

const FILE = '/plugins/sqlite-storage/plugin.json';
const HOST = '1.2.0';

type Raw = Record<string, unknown>;

function good(overrides: Raw = {}): Raw {
  return {
    name: 'sqlite-storage',
    version: '1.0.0',
    engines: { berth: '^1.0.0' },
    main: 'dist/index.js',
    services: [{ name: 'storage', contract: 'storage@1' }],
    ...overrides,
  };
}

function withService(service: Raw): Raw {
  return good({ services: [{ name: 'storage', contract: 'storage@1', ...service }] });
}

function without(key: string): Raw {
  return Object.fromEntries(Object.entries(good()).filter(([k]) => k !== key));
}

/** Runs parseManifest and returns what it threw; fails the test if nothing was thrown. */
function errorOf(raw: unknown, hostVersion = HOST): BerthError {
  try {
    parseManifest(raw, FILE, { hostVersion });
  } catch (error) {
    expect(error).toBeInstanceOf(BerthError);
    return error as BerthError;
  }
  throw new Error('parseManifest accepted a manifest it should refuse');
}

const { MANIFEST_INVALID: INVALID, PATH_ESCAPE: ESCAPE, ENGINE_INCOMPATIBLE: ENGINE } = codes;
const longName = 'a'.repeat(215);

const bad: [string, unknown, BerthErrorCode, string][] = [
  ['an array instead of an object', [good()], INVALID, ''],
  ['null', null, INVALID, ''],
  ['a missing name', without('name'), INVALID, 'name'],
  ['an upper-case name', good({ name: 'SQLite' }), INVALID, 'name'],
  ['a name with an underscore', good({ name: 'sqlite_storage' }), INVALID, 'name'],
  ['a name longer than 214 characters', good({ name: longName }), INVALID, 'name'],
  ['a version with a leading v', good({ version: 'v1.0.0' }), INVALID, 'version'],
  ['a version that is not semver', good({ version: '1.0' }), INVALID, 'version'],
  ['a description that is not a string', good({ description: 42 }), INVALID, 'description'],
  ['missing engines', without('engines'), INVALID, 'engines'],
  [
    'an engines.berth that is not a range',
    good({ engines: { berth: 'soon' } }),
    INVALID,
    'engines.berth',
  ],
  ['an empty engines.berth', good({ engines: { berth: '' } }), INVALID, 'engines.berth'],
  [
    'an unknown key in engines',
    good({ engines: { berth: '^1.0.0', bert: '1' } }),
    INVALID,
    'engines.bert',
  ],
  ['a missing main', without('main'), INVALID, 'main'],
  ['an empty main', good({ main: '' }), INVALID, 'main'],
  ['a main that is not a string', good({ main: 42 }), INVALID, 'main'],
  ['missing services', without('services'), INVALID, 'services'],
  ['an empty services array', good({ services: [] }), INVALID, 'services'],
  ['a service that is a string', good({ services: ['storage'] }), INVALID, 'services[0]'],
  [
    'a contract without its major version',
    good({
      services: [
        { name: 'storage', contract: 'storage@1' },
        { name: 'cache', contract: 'storage' },
      ],
    }),
    INVALID,
    'services[1].contract',
  ],
  ['a service name with a slash', withService({ name: 'a/b' }), INVALID, 'services[0].name'],
  [
    'two services of one name',
    good({
      services: [
        { name: 's', contract: 'a@1' },
        { name: 's', contract: 'b@1' },
      ],
    }),
    INVALID,
    'services[1].name',
  ],
  ['a null isolation', withService({ isolation: null }), INVALID, 'services[0].isolation'],
  [
    'two services in different isolation modes',
    good({
      services: [
        { name: 'a', contract: 'a@1', isolation: 'pool', threads: 2 },
        { name: 'b', contract: 'b@1' },
      ],
    }),
    INVALID,
    'services[1].isolation',
  ],
  ['a null description', good({ description: null }), INVALID, 'description'],
  ['an unknown isolation', withService({ isolation: 'vm' }), INVALID, 'services[0].isolation'],
  ['zero threads', withService({ threads: 0 }), INVALID, 'services[0].threads'],
  ['a fractional thread count', withService({ threads: 1.5 }), INVALID, 'services[0].threads'],
  ['several threads outside a pool', withService({ threads: 4 }), INVALID, 'services[0].threads'],
  [
    'an array as defaultConfig',
    withService({ defaultConfig: [] }),
    INVALID,
    'services[0].defaultConfig',
  ],
  [
    'a string as configSchema',
    withService({ configSchema: 'x' }),
    INVALID,
    'services[0].configSchema',
  ],
  [
    'a negative resource limit',
    withService({ resourceLimits: { maxOldGenerationSizeMb: -1 } }),
    INVALID,
    'services[0].resourceLimits.maxOldGenerationSizeMb',
  ],
  [
    'an unknown resource limit',
    withService({ resourceLimits: { heapMb: 64 } }),
    INVALID,
    'services[0].resourceLimits.heapMb',
  ],
  ['idempotent as a string', withService({ idempotent: 'get' }), INVALID, 'services[0].idempotent'],
  [
    'a non-string idempotent method',
    withService({ idempotent: [1] }),
    INVALID,
    'services[0].idempotent[0]',
  ],
  ['a misspelt service key', withService({ isolaton: 'pool' }), INVALID, 'services[0].isolaton'],
  ['a misspelt top-level key', good({ servceOrder: ['storage'] }), INVALID, 'servceOrder'],
  [
    'a serviceOrder naming no such service',
    good({ serviceOrder: ['store'] }),
    INVALID,
    'serviceOrder[0]',
  ],
  [
    'a serviceOrder that leaves a service out',
    good({
      services: [
        { name: 'a', contract: 'a@1' },
        { name: 'b', contract: 'b@1' },
      ],
      serviceOrder: ['a'],
    }),
    INVALID,
    'serviceOrder',
  ],
  [
    'a serviceOrder listing a service twice',
    good({ serviceOrder: ['storage', 'storage'] }),
    INVALID,
    'serviceOrder[1]',
  ],
  ['a serviceOrder that is a string', good({ serviceOrder: 'storage' }), INVALID, 'serviceOrder'],
  ['migrations that are not an array', good({ migrations: 'up.sql' }), INVALID, 'migrations'],
  ['a migration that is not a string', good({ migrations: [42] }), INVALID, 'migrations[0]'],
  ['an arena smaller than 64 KiB', good({ arenaBytes: 4096 }), INVALID, 'arenaBytes'],
  ['an arena size that is not whole', good({ arenaBytes: 70_000.5 }), INVALID, 'arenaBytes'],
  ['a $schema that is not a string', good({ $schema: 42 }), INVALID, '$schema'],
  ['a main in the parent folder', good({ main: '../index.js' }), ESCAPE, 'main'],
  ['an absolute main', good({ main: '/usr/lib/index.js' }), ESCAPE, 'main'],
  [
    'a main that escapes after normalisation',
    good({ main: 'dist/../../index.js' }),
    ESCAPE,
    'main',
  ],
  ['a Windows drive path as main', good({ main: 'C:\\plugins\\index.js' }), ESCAPE, 'main'],
  ['a main escaping with backslashes', good({ main: 'dist\\..\\..\\index.js' }), ESCAPE, 'main'],
  ['a file URL as main', good({ main: 'file:///etc/passwd' }), ESCAPE, 'main'],
  [
    'a migration outside the folder',
    good({ migrations: ['ok.sql', '../up.sql'] }),
    ESCAPE,
    'migrations[1]',
  ],
  ['an absolute migration', good({ migrations: ['/tmp/up.sql'] }), ESCAPE, 'migrations[0]'],
  [
    'an engine range this host is not in',
    good({ engines: { berth: '^2.0.0' } }),
    ENGINE,
    'engines.berth',
  ],
];

describe('parseManifest', () => {
  it.each(bad)('refuses %s', (_what, raw, code, field) => {
    const error = errorOf(raw);
    expect(error.code).toBe(code);
    expect(error.data?.['field']).toBe(field);
    expect(error.data?.['file']).toBe(FILE);
    expect(error.message).toContain(FILE);
    expect(error.message).toContain(field);
  });

  it('suggests an engines.berth range that the host satisfies', () => {
    for (const [hostVersion, range] of [
      ['0.1.0', '^0.1.0'],
      ['0.3.7', '^0.3.0'],
      ['1.2.0', '^1.0.0'],
      ['2.0.0-rc.1', '^2.0.0-rc.1'],
    ] as const) {
      expect(errorOf(without('engines'), hostVersion).message).toContain(`"berth": "${range}"`);
      expect(errorOf(good({ engines: {} }), hostVersion).message).toContain(`"${range}"`);
      expect(errorOf(good({ engines: { berth: 'nope' } }), hostVersion).message).toContain(
        `"${range}"`,
      );
      expect(() =>
        parseManifest(good({ engines: { berth: range } }), FILE, { hostVersion }),
      ).not.toThrow();
    }
    const suggested = /"berth": "([^"]+)"/.exec(errorOf(without('engines'), BERTH_VERSION).message);
    expect(() =>
      parseManifest(good({ engines: { berth: suggested?.[1] } }), FILE, {
        hostVersion: BERTH_VERSION,
      }),
    ).not.toThrow();
  });

  it('applies every default to a minimal manifest', () => {
    const manifest: PluginManifest = parseManifest(good(), FILE, { hostVersion: HOST });
    expect(manifest).toEqual({
      name: 'sqlite-storage',
      version: '1.0.0',
      description: '',
      engines: { berth: '^1.0.0' },
      main: 'dist/index.js',
      services: [
        {
          name: 'storage',
          contract: 'storage@1',
          isolation: 'thread',
          threads: 1,
          defaultConfig: {},
          idempotent: [],
        },
      ],
      serviceOrder: ['storage'],
      migrations: [],
      env: [],
    });
  });

  it("takes the environment variables a plugin declares, and refuses the host's own", () => {
    expect(
      parseManifest(good({ env: ['AWS_REGION', 'PGHOST'] }), FILE, { hostVersion: HOST }).env,
    ).toEqual(['AWS_REGION', 'PGHOST']);
    // The field names the entry at fault (`env[0]`), or `env` itself when it is no array.
    for (const [env, field] of [
      [['BERTH_ADMIN_TOKEN'], 'env[0]'],
      [['A-B'], 'env[0]'],
      ['PATH', 'env'],
      [[42], 'env[0]'],
    ] as const) {
      expect(() => parseManifest(good({ env }), FILE, { hostVersion: HOST })).toThrow(
        expect.objectContaining({
          code: codes.MANIFEST_INVALID,
          data: expect.objectContaining({ field }),
        }),
      );
    }
  });

  it('keeps every field of a complete manifest', () => {
    const raw = good({
      $schema: 'https://example.org/berth-plugin.schema.json',
      description: 'SQLite storage',
      services: [
        {
          name: 'storage',
          contract: 'storage@1',
          isolation: 'thread',
          defaultConfig: { path: 'data/berth.db' },
          configSchema: { type: 'object' },
          resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 },
          idempotent: ['get', 'list'],
        },
        { name: 'hash', contract: 'hash@2', isolation: 'thread' },
      ],
      serviceOrder: ['hash', 'storage'],
      migrations: ['migrations/001_init.sql'],
    });
    const manifest = parseManifest(raw, FILE, { hostVersion: HOST });
    expect(manifest.description).toBe('SQLite storage');
    expect(manifest.services[0]).toEqual({ ...(raw['services'] as Raw[])[0], threads: 1 });
    expect(manifest.services[1]).toMatchObject({ isolation: 'thread', threads: 1, idempotent: [] });
    expect(manifest.serviceOrder).toEqual(['hash', 'storage']);
    expect(manifest.migrations).toEqual(['migrations/001_init.sql']);
    expect(manifest).not.toHaveProperty('$schema');
  });

  it('returns arrays of its own, so changing the result leaves the input alone', () => {
    const raw = good({ migrations: ['a.sql'] });
    const manifest = parseManifest(raw, FILE, { hostVersion: HOST });
    manifest.migrations.push('b.sql');
    manifest.serviceOrder.push('x');
    expect(raw['migrations']).toEqual(['a.sql']);
    expect(raw).not.toHaveProperty('serviceOrder');
  });

  it('reports every problem at once, the first as data.field', () => {
    const error = errorOf(
      good({
        name: 'Bad Name',
        version: '1',
        services: [{ name: 'storage', contract: 'storage' }],
      }),
    );
    expect(error.code).toBe(codes.MANIFEST_INVALID);
    expect(error.data?.['field']).toBe('name');
    const problems = error.data?.['problems'] as ManifestProblem[];
    expect(problems.map((p) => p.field)).toEqual(['name', 'version', 'services[0].contract']);
    for (const { field } of problems) expect(error.message).toContain(field);
    expect(problems[2]).toEqual({
      field: 'services[0].contract',
      expected: '"name@major" such as "storage@1"',
      got: '"storage"',
    });
  });

  it('reports a misspelt key together with the field it leaves missing', () => {
    const raw = without('services');
    raw['servces'] = [{ name: 'storage', contract: 'storage@1' }];
    const error = errorOf(raw);
    const problems = error.data?.['problems'] as ManifestProblem[];
    expect(problems.map((p) => p.field)).toEqual(['servces', 'services']);
    expect(problems[0]?.expected).toContain('"services"');
  });

  it('keeps the arena size a plugin asks for, and asks for none by default', () => {
    expect(
      parseManifest(good({ arenaBytes: 1 << 20 }), FILE, { hostVersion: HOST }).arenaBytes,
    ).toBe(1 << 20);
    expect(parseManifest(good({}), FILE, { hostVersion: HOST })).not.toHaveProperty('arenaBytes');
  });

  it('accepts a top-level $schema key', () => {
    const manifest = parseManifest(good({ $schema: './schema.json' }), FILE, { hostVersion: HOST });
    expect(manifest.name).toBe('sqlite-storage');
  });

  it('accepts paths that only pass through parent folders inside the plugin', () => {
    const raw = good({ main: './dist/../lib/index.js', migrations: ['a/../b/up.sql'] });
    expect(parseManifest(raw, FILE, { hostVersion: HOST }).main).toBe('./dist/../lib/index.js');
  });
});

describe('parseManifest engine check', () => {
  it('refuses an incompatible range with both versions in the message and data', () => {
    const error = errorOf(good({ engines: { berth: '^2.0.0' } }), '1.2.0');
    expect(error.code).toBe(codes.ENGINE_INCOMPATIBLE);
    expect(error.plugin).toBe('sqlite-storage');
    expect(error.data).toEqual({
      file: FILE,
      field: 'engines.berth',
      range: '^2.0.0',
      hostVersion: '1.2.0',
    });
    expect(error.message).toContain('^2.0.0');
    expect(error.message).toContain('1.2.0');
  });

  it('reports an incompatible engine before fields this host does not know', () => {
    const raw = good({ engines: { berth: '>=3.0.0' }, capabilities: ['net'] });
    expect(errorOf(raw).code).toBe(codes.ENGINE_INCOMPATIBLE);
  });

  it('lets a prerelease host satisfy the range its release would', () => {
    const manifest = parseManifest(good(), FILE, { hostVersion: '1.3.0-rc.1' });
    expect(manifest.engines.berth).toBe('^1.0.0');
  });

  it("refuses an invalid hostVersion as the caller's mistake", () => {
    const error = errorOf(good(), 'latest');
    expect(error.code).toBe(codes.CONFIG_INVALID);
    expect(error.data?.['field']).toBe('hostVersion');
  });

  it('checks against this Berth version when no hostVersion is given', () => {
    const pkgUrl = new URL('../../../package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };
    expect(BERTH_VERSION).toBe(pkg.version);
    const exact = good({ engines: { berth: `=${BERTH_VERSION}` } });
    expect(parseManifest(exact, FILE).engines.berth).toBe(`=${BERTH_VERSION}`);
    try {
      parseManifest(good({ engines: { berth: `>${BERTH_VERSION}` } }), FILE);
      expect.unreachable('a range above this version must be refused');
    } catch (error) {
      expect((error as BerthError).code).toBe(codes.ENGINE_INCOMPATIBLE);
      expect((error as BerthError).data?.['hostVersion']).toBe(BERTH_VERSION);
    }
  });
});

describe('parseManifest path check', () => {
  it('names every escaping path in one error', () => {
    const error = errorOf(good({ main: '../index.js', migrations: ['up.sql', '/x.sql'] }));
    expect(error.code).toBe(codes.PATH_ESCAPE);
    expect(error.data?.['field']).toBe('main');
    const escapes = error.data?.['escapes'] as { field: string }[];
    expect(escapes.map((e) => e.field)).toEqual(['main', 'migrations[1]']);
    expect(error.message).toContain('migrations[1]');
  });

  it('reports structural problems before escaping paths', () => {
    const error = errorOf(good({ main: '../index.js', version: 'one' }));
    expect(error.code).toBe(codes.MANIFEST_INVALID);
    expect(error.data?.['field']).toBe('version');
  });
});
