// `berth serve` as installed, attacked as a web page, a local process and a careless
// operator would: no token configured, loopback, everything else default.
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminTarget, callAdmin } from '../../src/cli/admin-client.js';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
  type ServiceConfig,
} from '../../src/service/index.js';
import { send } from './hostile-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('berth serve, secure by default', () => {
  let dataDir: string;
  let pluginDir: string;
  let service: RunningService | undefined;
  const lines: Record<string, unknown>[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-security-'));
    // A plugin directory of the test's own, so that what lies outside it is known.
    pluginDir = join(dataDir, 'plugins');
    await mkdir(pluginDir);
    await symlink(join(root, 'plugins/memory-storage'), join(pluginDir, 'memory-storage'));
    lines.length = 0;
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(overrides: Partial<ServiceConfig> = {}): Promise<RunningService> {
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    service = await startService(
      {
        ...DEFAULT_SERVICE_CONFIG,
        port: 0,
        dataDir: join(dataDir, 'data'),
        plugins: [pluginDir],
        storage: { name: 'memory-storage', config: {} },
        ...overrides,
      },
      logger,
    );
    return service;
  }

  const admin = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    ...extra,
  });

  it('makes an admin token at first start, owner-only, says where, and keeps it', async () => {
    const first = await start();
    const file = join(dataDir, 'data', 'admin-token');
    expect((await readFile(file, 'utf8')).trim()).toBe(first.adminToken);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.adminToken.length).toBeGreaterThanOrEqual(32);
    expect(lines.some((line) => String(line['msg']).includes(file))).toBe(true);
    await first.close();
    const second = await start();
    expect(second.adminToken).toBe(first.adminToken);
  });

  it('refuses every admin mutation without the token, and takes the scheme in any case', async () => {
    const { url, adminToken } = await start();
    const json = { 'content-type': 'application/json' };
    for (const [method, path, body] of [
      ['POST', '/v1/plugins/install', JSON.stringify({ dir: pluginDir })],
      ['POST', '/v1/plugins/memory-storage/restart', '{}'],
      ['POST', '/v1/plugins/memory-storage/disable', '{}'],
      ['PUT', '/v1/plugins/memory-storage/config', '{"service":"storage","config":{}}'],
      ['DELETE', '/v1/plugins/memory-storage', undefined],
    ] as const) {
      expect(await send(url, method, path, json, body)).toMatchObject({
        status: 401,
        json: { code: 'BERTH_ERR_UNAUTHORIZED' },
      });
    }
    const lower = await send(
      url,
      'POST',
      '/v1/plugins/memory-storage/restart',
      {
        ...json,
        authorization: `bearer ${adminToken}`,
      },
      '{}',
    );
    expect(lower).toMatchObject({ status: 200, json: { state: 'running', restarts: 1 } });
  });

  it('refuses a cross-site simple POST, a foreign Origin and a foreign Host, token or not', async () => {
    const { url, adminToken, host } = await start();
    const port = new URL(url).port;
    const disable = '/v1/plugins/memory-storage/disable';
    // What a page on another site can send without asking first: text/plain, its Origin.
    const crossSite = await send(
      url,
      'POST',
      disable,
      {
        'content-type': 'text/plain',
        origin: 'http://evil.example',
      },
      '{}',
    );
    expect(crossSite).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
    const plain = await send(
      url,
      'POST',
      disable,
      admin(adminToken, { 'content-type': 'text/plain' }),
      '{}',
    );
    expect(plain).toMatchObject({
      status: 415,
      json: { code: 'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE' },
    });
    const form = await send(
      url,
      'POST',
      disable,
      admin(adminToken, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      'a=1',
    );
    expect(form.status).toBe(415);
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${Number(port) + 1}`]) {
      const answer = await send(url, 'POST', disable, admin(adminToken, { origin }), '{}');
      expect(answer).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
    }
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, the Host header keeps it.
    for (const path of ['/healthz', '/v1/plugins', '/v1/resources/c/_/v1/pods/default/p']) {
      const rebound = await send(url, 'GET', path, { host: `evil.example:${port}` });
      expect(rebound).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
    }
    expect(host.plugins()[0]).toMatchObject({ enabled: true, state: 'running' });
    // The service's own origin and names pass.
    for (const name of ['localhost', '127.0.0.1']) {
      const own = await send(url, 'GET', '/healthz', {
        host: `${name}:${port}`,
        origin: `http://${name}:${port}`,
      });
      expect(own.status).toBe(200);
    }
  });

  it('lets the operator add names and origins', async () => {
    const { url } = await start({
      allowedHosts: ['berth.internal'],
      allowedOrigins: ['https://console.example.com'],
    });
    const port = new URL(url).port;
    const answer = await send(url, 'GET', '/healthz', {
      host: `berth.internal:${port}`,
      origin: 'https://console.example.com',
    });
    expect(answer.status).toBe(200);
  });

  it('installs only from the plugin directories, and says nothing about other paths', async () => {
    const { url, adminToken } = await start();
    const install = (dir: string) =>
      send(url, 'POST', '/v1/plugins/install', admin(adminToken), JSON.stringify({ dir }));
    const outside = join(dataDir, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, 'plugin.json'), '{}');
    await symlink(outside, join(pluginDir, 'sneaky'));
    const answers = await Promise.all(
      [
        '/etc',
        '/no/such/folder',
        outside,
        join(pluginDir, '..', 'elsewhere'),
        join(pluginDir, 'sneaky'),
      ].map(install),
    );
    // Existing or not, every refusal reads the same apart from the folder it echoes.
    const shape = (message: unknown): string => String(message).replace(/"[^"]*"/, '"…"');
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
      expect(shape(answer.json['message'])).toBe(shape(answers[0]?.json['message']));
    }
  });

  it('keeps storage files inside the data directory unless the operator says otherwise', async () => {
    await symlink(join(root, 'plugins/sqlite-storage'), join(pluginDir, 'sqlite-storage'));
    const { url, adminToken } = await start({ storage: { name: 'sqlite-storage', config: {} } });
    const configure = (config: Record<string, unknown>) =>
      send(
        url,
        'PUT',
        '/v1/plugins/sqlite-storage/config',
        admin(adminToken),
        JSON.stringify({
          service: 'storage',
          config,
        }),
      );
    expect(await configure({ path: '../../../../tmp/x' })).toMatchObject({
      status: 400,
      json: { code: 'BERTH_ERR_CONFIG_INVALID' },
    });
    expect(await configure({ path: '/tmp/x', allowOutsideDataDir: true })).toMatchObject({
      status: 403,
      json: { code: 'BERTH_ERR_FORBIDDEN' },
    });
  });

  it('refuses to listen beyond loopback without a token the operator chose', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'BERTH_ERR_CONFIG_INVALID',
      message: expect.stringContaining('BERTH_ADMIN_TOKEN'),
    });
    const open = await start({ host: '0.0.0.0', adminToken: 'chosen-by-the-operator' });
    expect(open.adminToken).toBe('chosen-by-the-operator');
  });

  it('shows folders to admins only', async () => {
    const { url, adminToken } = await start();
    const anonymous = await send(url, 'GET', '/v1/plugins', {});
    expect(JSON.stringify(anonymous.json)).not.toContain(dataDir);
    const listed = anonymous.json['plugins'] as object[];
    expect(listed.length).toBeGreaterThan(0);
    for (const plugin of listed) expect(plugin).not.toHaveProperty('dir');
    const one = await send(url, 'GET', '/v1/plugins/memory-storage', {});
    expect(one.json).not.toHaveProperty('dir');
    const admins = await send(url, 'GET', '/v1/plugins', { authorization: `Bearer ${adminToken}` });
    const shown = admins.json['plugins'] as object[];
    expect(shown).toHaveLength(listed.length);
    for (const plugin of shown) expect(plugin).toHaveProperty('dir', expect.any(String));
  });

  it('lets the local CLI find the generated token in the data directory', async () => {
    const { url } = await start();
    const saved = process.env['BERTH_ADMIN_TOKEN'];
    delete process.env['BERTH_ADMIN_TOKEN'];
    try {
      const target = await adminTarget({ url, dataDir: join(dataDir, 'data') });
      expect(await callAdmin(target, 'POST', '/v1/plugins/memory-storage/restart')).toMatchObject({
        state: 'running',
      });
      // The local token is never handed to a service elsewhere.
      for (const remote of ['http://berth.example.com:7070', 'http://10.0.0.8:7070']) {
        expect(await adminTarget({ url: remote, dataDir: join(dataDir, 'data') })).toEqual({
          url: remote,
          token: undefined,
        });
      }
    } finally {
      if (saved !== undefined) process.env['BERTH_ADMIN_TOKEN'] = saved;
    }
  });
});
