import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BerthError } from '../../../src/errors.js';
import { codes } from '../../../src/errors.js';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_SERVICE_CONFIG,
  forcedIsolation,
  loadServiceConfig,
} from '../../../src/config/service-config.js';

describe('the service configuration', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-config-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('defaults to 127.0.0.1:7070, ./data, SQLite and production', async () => {
    const config = await loadServiceConfig({}, {}, cwd);
    expect(config).toEqual({ ...DEFAULT_SERVICE_CONFIG, dataDir: join(cwd, 'data') });
  });

  it('layers the file, then the environment, then flags', async () => {
    await writeFile(
      join(cwd, 'berth.config.json'),
      JSON.stringify({
        port: 8080,
        host: '0.0.0.0',
        storage: { name: 'postgres-storage', config: { poolSize: 4 } },
        plugins: ['more'],
      }),
    );
    const config = await loadServiceConfig(
      { port: '9090', mode: 'development' },
      { BERTH_PORT: '8181', BERTH_STORAGE_CONFIG: '{"schema":"x"}', BERTH_ADMIN_TOKEN: 't' },
      cwd,
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      mode: 'development',
      adminToken: 't',
      plugins: [join(cwd, 'more')],
      storage: { name: 'postgres-storage', config: { schema: 'x' } },
    });
  });

  it("refuses an empty folder path in the file, which would make the file's own folder a plugins directory", async () => {
    await writeFile(join(cwd, 'berth.config.json'), JSON.stringify({ plugins: [''] }));
    await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
      code: codes.CONFIG_INVALID,
      message: expect.stringMatching(/plugins\[0\] must be a folder path, not empty/),
    });
  });

  it('forces an isolation by flag or environment, the flag winning; development alone means inline', async () => {
    const pool = await loadServiceConfig({ isolation: 'pool' }, { BERTH_ISOLATION: 'thread' }, cwd);
    expect(pool.isolation).toBe('pool');
    expect(forcedIsolation(pool)).toEqual({ isolation: 'pool' });
    const fromEnv = await loadServiceConfig({}, { BERTH_ISOLATION: 'thread' }, cwd);
    expect(forcedIsolation(fromEnv)).toEqual({ isolation: 'thread' });
    const dev = await loadServiceConfig({ mode: 'development' }, {}, cwd);
    expect(forcedIsolation(dev)).toEqual({ isolation: 'inline' });
    const devPool = await loadServiceConfig({ mode: 'development', isolation: 'pool' }, {}, cwd);
    expect(forcedIsolation(devPool)).toEqual({ isolation: 'pool' });
    // Production forces nothing: each manifest decides (a pool plugin runs on its pool).
    expect(forcedIsolation(await loadServiceConfig({}, {}, cwd))).toEqual({});
  });

  it.each([
    [{ port: '70000' }, {}, 'port'],
    [{ mode: 'fast' }, {}, 'mode'],
    [{ isolation: 'vm' }, {}, 'isolation'],
    [{ storageIsolation: 'vm' }, {}, 'storage.isolation'],
    [{}, { BERTH_STORAGE_ISOLATION: 'fiber' }, 'storage.isolation'],
    [{}, { BERTH_ISOLATION: 'fiber' }, 'isolation'],
    [{}, { BERTH_STORAGE_CONFIG: '[1]' }, 'storage.config'],
    [{}, { BERTH_STORAGE_CONFIG: '{"a":}' }, 'storage.config'],
    [{ bodyLimit: 'lots' }, {}, 'bodyLimit'],
    [{}, { BERTH_LOG_LEVEL: 'loud' }, 'logLevel'],
  ])(
    'refuses a bad value with BERTH_ERR_CONFIG_INVALID naming its key (%j %j)',
    async (flags, env, key) => {
      await expect(loadServiceConfig(flags, env, cwd)).rejects.toMatchObject({
        code: 'BERTH_ERR_CONFIG_INVALID',
        data: { key },
      });
    },
  );

  it('takes request and header timeouts from the file, and refuses headers outlasting requests', async () => {
    const file = join(cwd, 'berth.config.json');
    await writeFile(file, JSON.stringify({ requestTimeoutMs: 5000, headersTimeoutMs: 2000 }));
    expect(await loadServiceConfig({}, {}, cwd)).toMatchObject({
      requestTimeoutMs: 5000,
      headersTimeoutMs: 2000,
    });
    await writeFile(file, JSON.stringify({ requestTimeoutMs: 1000, headersTimeoutMs: 2000 }));
    await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
      code: 'BERTH_ERR_CONFIG_INVALID',
      data: { key: 'headersTimeoutMs' },
    });
    await writeFile(file, JSON.stringify({ requestTimeoutMs: 0 }));
    await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
      code: 'BERTH_ERR_CONFIG_INVALID',
    });
  });

  it('refuses an unknown key in the file, and a named file that is missing', async () => {
    await writeFile(join(cwd, 'berth.config.json'), JSON.stringify({ prot: 7070 }));
    await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
      code: 'BERTH_ERR_CONFIG_INVALID',
      data: { key: 'prot' },
    });
    await expect(loadServiceConfig({ config: 'nope.json' }, {}, cwd)).rejects.toMatchObject({
      code: 'BERTH_ERR_CONFIG_INVALID',
    });
  });

  it('takes the names, origins and install folders that widen the security model from the file only', async () => {
    await writeFile(
      join(cwd, 'berth.config.json'),
      JSON.stringify({
        allowedHosts: ['berth.internal'],
        allowedOrigins: ['https://console.example.com'],
        installFrom: ['vendor/plugins'],
      }),
    );
    expect(await loadServiceConfig({}, {}, cwd)).toMatchObject({
      allowedHosts: ['berth.internal'],
      allowedOrigins: ['https://console.example.com'],
      installFrom: [join(cwd, 'vendor/plugins')],
    });
    for (const [field, key, value] of [
      ['allowedHosts[0]', 'allowedHosts', ['a b']],
      ['allowedHosts', 'allowedHosts', 'berth.internal'],
      ['allowedOrigins[0]', 'allowedOrigins', ['https://console.example.com/path']],
      ['allowedOrigins[0]', 'allowedOrigins', ['https://console.example.com:443']],
      ['allowedOrigins[0]', 'allowedOrigins', ['*']],
      ['installFrom[0]', 'installFrom', [3]],
    ] as const) {
      await writeFile(join(cwd, 'berth.config.json'), JSON.stringify({ [key]: value }));
      await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
        code: 'BERTH_ERR_CONFIG_INVALID',
        data: { key: field },
      });
    }
    // The error names the file it came from, the one -c names included.
    await writeFile(join(cwd, 'other.json'), JSON.stringify({ allowedOrigins: ['*'] }));
    await expect(loadServiceConfig({ config: 'other.json' }, {}, cwd)).rejects.toMatchObject({
      data: { source: join(cwd, 'other.json'), key: 'allowedOrigins[0]' },
      message: expect.stringMatching(/other\.json: allowedOrigins\[0\] must be an origin/),
    });
  });

  it('names the field a file gets wrong, with what belongs there and the schema to read', async () => {
    const file = join(cwd, 'berth.config.json');
    await writeFile(file, JSON.stringify({ port: 70000, prot: 1 }));
    const error = await loadServiceConfig({}, {}, cwd).catch((e: unknown) => e as BerthError);
    expect(error).toMatchObject({
      code: codes.CONFIG_INVALID,
      data: { source: file, key: 'prot' },
    });
    expect((error as BerthError).message).toContain(
      'prot must be absent (it is not a key of berth.config.json; did you mean "port"?) (got 1)',
    );
    expect((error as BerthError).message).toContain(
      'port must be a whole number from 0 to 65535 (got 70000)',
    );
    expect((error as BerthError).message).toContain('docs/berth.config.schema.json');
  });

  it('names the variable or flag a bad value came from', async () => {
    const fromEnv = await loadServiceConfig({}, { BERTH_PORT: 'x' }, cwd).catch(
      (e: unknown) => e as BerthError,
    );
    expect((fromEnv as BerthError).message).toMatch(/^environment: BERTH_PORT must be/);
    const fromFlag = await loadServiceConfig({ mode: 'fast' }, {}, cwd).catch(
      (e: unknown) => e as BerthError,
    );
    expect((fromFlag as BerthError).message).toMatch(/^flags: --mode must be/);
  });

  it('lets a flag win before the variable it overrides is judged', async () => {
    const config = await loadServiceConfig({ port: '8081' }, { BERTH_PORT: 'not-a-port' }, cwd);
    expect(config.port).toBe(8081);
    const storage = await loadServiceConfig(
      { storageConfig: '{"a":1}' },
      { BERTH_STORAGE_CONFIG: '{broken' },
      cwd,
    );
    expect(storage.storage.config).toEqual({ a: 1 });
    // A variable no flag overrides is still judged.
    await expect(
      loadServiceConfig({ port: '8081' }, { BERTH_MODE: 'fast' }, cwd),
    ).rejects.toMatchObject({ code: codes.CONFIG_INVALID, data: { source: 'environment' } });
  });

  it('finds the bundled plugins unless the file, BERTH_BUNDLED_PLUGINS or --no-bundled-plugins says not', async () => {
    expect((await loadServiceConfig({}, {}, cwd)).bundledPlugins).toBe(true);
    // commander's `true` for an absent --no-bundled-plugins sets nothing.
    expect((await loadServiceConfig({ bundledPlugins: true }, {}, cwd)).bundledPlugins).toBe(true);
    expect((await loadServiceConfig({ bundledPlugins: false }, {}, cwd)).bundledPlugins).toBe(
      false,
    );
    const env = { BERTH_BUNDLED_PLUGINS: 'false' };
    expect((await loadServiceConfig({}, env, cwd)).bundledPlugins).toBe(false);
    await expect(loadServiceConfig({}, { BERTH_BUNDLED_PLUGINS: 'no' }, cwd)).rejects.toMatchObject(
      { code: codes.CONFIG_INVALID },
    );
    await writeFile(join(cwd, 'berth.config.json'), JSON.stringify({ bundledPlugins: false }));
    expect((await loadServiceConfig({ bundledPlugins: true }, {}, cwd)).bundledPlugins).toBe(false);
  });

  it('says where a broken file stops being JSON', async () => {
    await writeFile(join(cwd, 'berth.config.json'), '{\n  "port": 8080,\n}');
    await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
      code: codes.CONFIG_INVALID,
      message: expect.stringContaining('line 3, column 1') as unknown,
    });
  });

  it('takes plugin folders from flags, then BERTH_PLUGINS, then the file', async () => {
    await writeFile(join(cwd, 'berth.config.json'), JSON.stringify({ plugins: ['file'] }));
    const env = { BERTH_PLUGINS: `env${delimiter}more` };
    expect((await loadServiceConfig({}, {}, cwd)).plugins).toEqual([join(cwd, 'file')]);
    expect((await loadServiceConfig({}, env, cwd)).plugins).toEqual([
      join(cwd, 'env'),
      join(cwd, 'more'),
    ]);
    expect((await loadServiceConfig({ plugins: ['flag'] }, env, cwd)).plugins).toEqual([
      join(cwd, 'flag'),
    ]);
    expect((await loadServiceConfig({ plugins: [] }, { BERTH_PLUGINS: '' }, cwd)).plugins).toEqual([
      join(cwd, 'file'),
    ]);
  });

  it("takes plugins' service config from the file, and refuses one that is not an object", async () => {
    const file = join(cwd, 'berth.config.json');
    await writeFile(
      file,
      JSON.stringify({ config: { greeter: { greeter: { greeting: 'Howdy' } } } }),
    );
    expect((await loadServiceConfig({}, {}, cwd)).config).toEqual({
      greeter: { greeter: { greeting: 'Howdy' } },
    });
    await writeFile(file, JSON.stringify({ config: { greeter: { greeter: 'Howdy' } } }));
    await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
      code: codes.CONFIG_INVALID,
      data: { key: 'config.greeter.greeter' },
    });
  });

  it('takes its defaults from the schema', () => {
    expect(DEFAULT_SERVICE_CONFIG).toEqual({
      host: '127.0.0.1',
      port: 7070,
      dataDir: 'data',
      plugins: undefined,
      bundledPlugins: true,
      storage: { name: 'sqlite-storage', config: {} },
      mode: 'production',
      adminToken: undefined,
      allowedHosts: [],
      allowedOrigins: [],
      installFrom: [],
      bodyLimit: 4 * 1024 * 1024,
      logLevel: 'info',
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      config: {},
      processLimits: {},
    });
  });

  it('runs the storage plugin in the isolation storage.isolation names, flag over variable', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'berth-storage-isolation-'));
    try {
      const fromEnv = await loadServiceConfig({}, { BERTH_STORAGE_ISOLATION: 'process' }, cwd);
      expect(fromEnv.storage).toMatchObject({ name: 'sqlite-storage', isolation: 'process' });
      const flagged = await loadServiceConfig(
        { storageIsolation: 'thread' },
        { BERTH_STORAGE_ISOLATION: 'process' },
        cwd,
      );
      expect(flagged.storage.isolation).toBe('thread');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('accepts every berth.config.json example in the docs and README', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const docs = (await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md'));
    const texts = await Promise.all(
      ['README.md', ...docs.map((name) => join('docs', name))].map((path) =>
        readFile(join(root, path), 'utf8'),
      ),
    );
    // A JSON block right after a line that names berth.config.json is an example of it.
    const examples = texts.flatMap((text) =>
      [...text.matchAll(/berth\.config\.json[^\n]*\n+```json\n([\s\S]*?)```/g)].map((m) => m[1]),
    );
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      await writeFile(join(cwd, 'berth.config.json'), example ?? '');
      await expect(loadServiceConfig({}, {}, cwd)).resolves.toBeDefined();
    }
  });
});
