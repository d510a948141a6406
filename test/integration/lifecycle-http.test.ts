// The plugin lifecycle through the admin HTTP API of a real `berth serve` (fastify on a
// socket, plugins in worker threads): every route, the admin token, bad bodies, and a
// restart of the service that brings the installed plugin back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
} from '../../src/service/index.js';
import type { Front } from '../fixtures/plugins/lifecycle/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'test/fixtures/plugins/lifecycle');
const TOKEN = 's3cret';

describe('the plugin lifecycle over HTTP', () => {
  let dataDir: string;
  let service: RunningService | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-lifecycle-http-'));
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<RunningService> {
    service = await startService(
      {
        ...DEFAULT_SERVICE_CONFIG,
        port: 0,
        dataDir,
        plugins: [join(root, 'plugins')],
        storage: { name: 'memory-storage', config: {} },
        adminToken: TOKEN,
        installFrom: [join(root, 'test/fixtures/plugins')],
      },
      pino({ level: 'silent' }),
    );
    return service;
  }

  /** One admin request (`token` null: none); the body is sent as JSON unless it is a string. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    token: string | null = TOKEN,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    // The service takes POST and PUT as JSON only, with a body or without.
    const sent = body ?? (method === 'POST' || method === 'PUT' ? '' : undefined);
    if (sent !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${service?.url}${path}`, {
      method,
      headers,
      ...(sent === undefined
        ? {}
        : { body: typeof sent === 'string' ? sent : JSON.stringify(sent) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('installs, enables, configures, disables and removes a plugin', async () => {
    const { host } = await start();
    const front = host.service<Front>('lifecycle/front');

    const installed = await call('POST', '/v1/plugins/install', { dir: fixture });
    expect(installed.status).toBe(201);
    expect(installed.json).toMatchObject({ name: 'lifecycle', enabled: false, state: 'installed' });

    const enabled = await call('POST', '/v1/plugins/lifecycle/enable');
    expect(enabled).toMatchObject({ status: 200, json: { state: 'running', enabled: true } });
    const list = (await call('GET', '/v1/plugins')).json as { plugins: { name: string }[] };
    expect(list.plugins.map((p) => p.name)).toEqual([
      'lifecycle',
      'memory-storage',
      'postgres-storage',
      'sqlite-storage',
    ]);

    const changed = await call('PUT', '/v1/plugins/lifecycle/config', {
      service: 'front',
      config: { greeting: 'hey' },
    });
    expect(changed).toMatchObject({
      status: 200,
      json: { live: true, config: { greeting: 'hey', limit: 10 } },
    });
    expect(await front.greet('x')).toBe('hey, x!');

    expect(await call('DELETE', '/v1/plugins/lifecycle')).toMatchObject({
      status: 409,
      json: { code: 'BERTH_ERR_PLUGIN_ENABLED' },
    });
    const disabled = await call('POST', '/v1/plugins/lifecycle/disable');
    expect(disabled).toMatchObject({ status: 200, json: { state: 'stopped', enabled: false } });
    expect(await call('DELETE', '/v1/plugins/lifecycle')).toMatchObject({
      status: 200,
      json: { removed: 'lifecycle' },
    });
    expect((await call('GET', '/v1/plugins/lifecycle')).status).toBe(404);
    // The storage plugin was never touched.
    expect((await fetch(`${service?.url}/readyz`)).status).toBe(200);
  });

  it('refuses a config by the schema and by the plugin with 400, and keeps the old one', async () => {
    const { host } = await start();
    await call('POST', '/v1/plugins/install', { dir: fixture });
    await call('POST', '/v1/plugins/lifecycle/enable');
    const put = (config: unknown, service = 'front') =>
      call('PUT', '/v1/plugins/lifecycle/config', { service, config });

    expect(await put({ limit: 500 })).toMatchObject({
      status: 400,
      json: { code: 'BERTH_ERR_CONFIG_INVALID' },
    });
    expect(await put({ greeting: 'forbidden' })).toMatchObject({
      status: 400,
      json: { code: 'BERTH_ERR_CONFIG_INVALID' },
    });
    expect(await put({}, 'nope')).toMatchObject({
      status: 404,
      json: { code: 'BERTH_ERR_SERVICE_NOT_FOUND' },
    });
    expect(await host.service<Front>('lifecycle/front').config()).toEqual({
      greeting: 'hello',
      limit: 10,
    });
  });

  it('answers bad requests with 400 and a code, and wants the token for every change', async () => {
    await start();
    for (const body of ['{ not json', '[1]', { dir: 3 }, {}]) {
      expect(await call('POST', '/v1/plugins/install', body)).toMatchObject({
        status: 400,
        json: { code: 'BERTH_ERR_INVALID_ARGUMENT' },
      });
    }
    const missing = join(root, 'test/fixtures/plugins/none');
    expect(await call('POST', '/v1/plugins/install', { dir: missing })).toMatchObject({
      status: 400,
      json: { code: 'BERTH_ERR_MANIFEST_NOT_FOUND' },
    });
    for (const body of [{ config: {} }, { service: 'front', config: [1] }, { service: 'front' }]) {
      expect(await call('PUT', '/v1/plugins/lifecycle/config', body)).toMatchObject({
        status: 400,
        json: { code: 'BERTH_ERR_INVALID_ARGUMENT' },
      });
    }
    expect(
      await call('PUT', '/v1/plugins/lifecycle/config', {
        service: 'front',
        config: {},
        replace: 'yes',
      }),
    ).toMatchObject({ status: 400, json: { code: 'BERTH_ERR_INVALID_ARGUMENT' } });
    expect(await call('POST', '/v1/plugins/nope/enable')).toMatchObject({
      status: 404,
      json: { code: 'BERTH_ERR_PLUGIN_NOT_FOUND' },
    });

    const unauthorized = [
      call('POST', '/v1/plugins/install', { dir: fixture }, null),
      call('POST', '/v1/plugins/memory-storage/enable', undefined, 'wrong'),
      call('POST', '/v1/plugins/memory-storage/disable', undefined, null),
      call('DELETE', '/v1/plugins/memory-storage', undefined, null),
      call('PUT', '/v1/plugins/memory-storage/config', { service: 'storage', config: {} }, null),
    ];
    for (const answer of await Promise.all(unauthorized)) {
      expect(answer).toMatchObject({ status: 401, json: { code: 'BERTH_ERR_UNAUTHORIZED' } });
    }
    const list = (await call('GET', '/v1/plugins')).json as {
      plugins: { name: string; state: string; enabled: boolean }[];
    };
    expect(list.plugins.map((p) => [p.name, p.state, p.enabled])).toEqual([
      ['memory-storage', 'running', true],
      ['postgres-storage', 'installed', false],
      ['sqlite-storage', 'installed', false],
    ]);
  });

  it('brings the installed plugin back, with its config, when the service restarts', async () => {
    await start();
    await call('POST', '/v1/plugins/install', { dir: fixture });
    await call('POST', '/v1/plugins/lifecycle/enable');
    await call('PUT', '/v1/plugins/lifecycle/config', {
      service: 'front',
      config: { greeting: 'back' },
    });
    expect(await call('POST', '/v1/plugins/lifecycle/enable', { version: '9.9.9' })).toMatchObject({
      status: 404,
      json: { code: 'BERTH_ERR_PLUGIN_NOT_FOUND' },
    });
    await service?.close();

    const { host } = await start();
    expect((await call('GET', '/v1/plugins/lifecycle')).json).toMatchObject({
      state: 'running',
      enabled: true,
    });
    expect(await host.service<Front>('lifecycle/front').greet('x')).toBe('back, x!');
  });
});
