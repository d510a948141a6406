import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_CONFIG, loadServiceConfig } from '../../src/service/index.js';

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

  it.each([
    [{ port: '70000' }, {}, 'port'],
    [{ mode: 'fast' }, {}, 'mode'],
    [{}, { BERTH_STORAGE_CONFIG: '[1]' }, 'storageConfig'],
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
    for (const [key, value] of [
      ['allowedHosts', ['a b']],
      ['allowedHosts', 'berth.internal'],
      ['allowedOrigins', ['https://console.example.com/path']],
      ['allowedOrigins', ['*']],
      ['installFrom', [3]],
    ] as const) {
      await writeFile(join(cwd, 'berth.config.json'), JSON.stringify({ [key]: value }));
      await expect(loadServiceConfig({}, {}, cwd)).rejects.toMatchObject({
        code: 'BERTH_ERR_CONFIG_INVALID',
        data: { key },
      });
    }
  });
});
