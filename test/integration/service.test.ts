// The HTTP service, driven over a real socket: every route, bad input, and a storage
// plugin that dies in the middle of a request.
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
  type ServiceConfig,
} from '../../src/service/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/plugins');

// The service's tests run twice: the storage plugin as its manifest asks (a worker
// thread), and in a process of its own (`storage.isolation: "process"`).
describe.each([undefined, 'process'] as const)(
  'the service (storage isolation: %s)',
  (isolation) => {
    let service: RunningService | undefined;
    let dataDir: string;

    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'berth-service-'));
    });
    afterEach(async () => {
      await service?.close();
      service = undefined;
      await rm(dataDir, { recursive: true, force: true });
    });

    async function start(overrides: Partial<ServiceConfig> = {}): Promise<RunningService> {
      service = await startService(
        {
          ...DEFAULT_SERVICE_CONFIG,
          port: 0,
          dataDir,
          plugins: [join(root, 'plugins')],
          ...overrides,
          storage: { isolation, ...(overrides.storage ?? { name: 'memory-storage', config: {} }) },
        },
        pino({ level: 'silent' }),
      );
      const name = overrides.storage?.name ?? 'memory-storage';
      const storage = service.host.plugins().find((p) => p.name === name);
      if (storage !== undefined) expect(storage.isolation).toBe(isolation ?? 'thread');
      return service;
    }

    const json = (body: unknown): RequestInit => ({
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const deployment = (name: string, labels: Record<string, string>): unknown => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default', labels },
      spec: { replicas: 2, note: 'ünïcødé ✓' },
    });

    it('listens on 127.0.0.1 by default and answers health and readiness', async () => {
      const { url } = await start();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        storage: 'memory-storage',
        state: 'running',
      });
    });

    it('stores a resource byte for byte and serves it back with its revision', async () => {
      const { url } = await start();
      const text = JSON.stringify(deployment('web', { app: 'web' }), null, 3); // odd spacing survives
      const put = await fetch(`${url}/v1/resources/c1/apps/v1/deployments/default/web`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      expect(put.status).toBe(201);
      expect(await put.json()).toEqual({ revision: 1, created: true });
      const got = await fetch(`${url}/v1/resources/c1/apps/v1/deployments/default/web`);
      expect(got.status).toBe(200);
      expect(got.headers.get('etag')).toBe('"1"');
      expect(await got.text()).toBe(text);
      const again = await fetch(
        `${url}/v1/resources/c1/apps/v1/deployments/default/web`,
        json(deployment('web', {})),
      );
      expect(again.status).toBe(200);
    });

    it('refuses a stale If-Match with 409 and deletes with 200, then 404', async () => {
      const { url } = await start();
      const path = `${url}/v1/resources/c1/_/v1/configmaps/_/settings`;
      await fetch(path, json({ metadata: { name: 'settings' } }));
      const stale = await fetch(path, {
        ...json({ metadata: { name: 'settings' } }),
        headers: { 'content-type': 'application/json', 'if-match': '"0"' },
      });
      expect(stale.status).toBe(409);
      expect(await stale.json()).toMatchObject({ code: 'BERTH_ERR_REVISION_CONFLICT' });
      expect((await fetch(path, { method: 'DELETE' })).status).toBe(200);
      const missing = await fetch(path, { method: 'DELETE' });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'BERTH_ERR_NOT_FOUND' });
      expect((await fetch(path)).status).toBe(404);
    });

    it('lists with selectors, prefixes, order and pages, streaming the stored bodies', async () => {
      const { url } = await start();
      for (const [name, app] of [
        ['api-1', 'api'],
        ['api-2', 'api'],
        ['web-1', 'web'],
        ['db-1', 'db'],
      ] as const) {
        await fetch(
          `${url}/v1/resources/c1/apps/v1/deployments/default/${name}`,
          json(deployment(name, { app })),
        );
      }
      const names = async (query: string): Promise<{ names: string[]; next?: string }> => {
        const response = await fetch(`${url}/v1/resources/c1/apps/v1/deployments?${query}`);
        expect(response.status).toBe(200);
        const page = (await response.json()) as {
          items: { metadata: { name: string } }[];
          continue?: string;
        };
        return {
          names: page.items.map((item) => item.metadata.name),
          ...(page.continue === undefined ? {} : { next: page.continue }),
        };
      };
      expect((await names('labelSelector=app%20in%20(api,db)')).names).toEqual([
        'api-1',
        'api-2',
        'db-1',
      ]);
      expect((await names('labelSelector=app!%3Dapi')).names).toEqual(['db-1', 'web-1']);
      expect((await names('namePrefix=api-')).names).toEqual(['api-1', 'api-2']);
      expect((await names('orderBy=name&descending=true')).names).toEqual([
        'web-1',
        'db-1',
        'api-2',
        'api-1',
      ]);
      const first = await names('limit=3');
      expect(first.names).toEqual(['api-1', 'api-2', 'db-1']);
      const second = await names(`limit=3&continue=${encodeURIComponent(first.next ?? '')}`);
      expect(second).toEqual({ names: ['web-1'] });
      expect((await names('namespace=elsewhere')).names).toEqual([]);
    });

    it('answers bad input with 4xx and a JSON error naming its code', async () => {
      const { url } = await start({ bodyLimit: 1024 });
      const path = `${url}/v1/resources/c1/apps/v1/deployments/default/web`;
      const cases: [Promise<Response>, number, string][] = [
        [
          fetch(`${url}/v1/resources/c1/apps/v1/deployments?labelSelector=app%3D%3D%3D`),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(`${url}/v1/resources/c1/apps/v1/deployments?orderBy=size`),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(`${url}/v1/resources/c1/apps/v1/deployments?limit=ten`),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(`${url}/v1/resources/c1/apps/v1/deployments?continue=garbage`),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(path, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: '{"metadata":',
          }),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(path, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: '[1,2]',
          }),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(path, json({ metadata: { labels: { app: 3 } } })),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [
          fetch(path, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ pad: 'x'.repeat(2048) }),
          }),
          413,
          'BERTH_ERR_REQUEST_TOO_LARGE',
        ],
        [
          fetch(path, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' }),
          415,
          'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE',
        ],
        [
          fetch(path, {
            ...json({}),
            headers: { 'content-type': 'application/json', 'if-match': 'yesterday' },
          }),
          400,
          'BERTH_ERR_INVALID_ARGUMENT',
        ],
        [fetch(`${url}/v1/resources/c1/apps`), 404, 'BERTH_ERR_NOT_FOUND'],
        [fetch(`${url}/v1/nothing/here`), 404, 'BERTH_ERR_NOT_FOUND'],
      ];
      for (const [response, status, code] of cases) {
        const answer = await response;
        expect({ status: answer.status, body: await answer.json() }).toMatchObject({
          status,
          body: { code },
        });
      }
    });

    it('publishes service metadata: idempotent for the same content, 409 for other content, SHA-256 revisions', async () => {
      const { url } = await start();
      const metadata = { app: 'shop', services: ['cart', 'pay'] };
      const first = await fetch(`${url}/v1/metadata/shop/r1`, json(metadata));
      expect(first.status).toBe(201);
      expect((await fetch(`${url}/v1/metadata/shop/r1`, json(metadata))).status).toBe(200);
      const clash = await fetch(`${url}/v1/metadata/shop/r1`, json({ other: true }));
      expect(clash.status).toBe(409);
      expect(await (await fetch(`${url}/v1/metadata/shop/r1`)).json()).toEqual(metadata);
      const posted = await fetch(`${url}/v1/metadata/shop`, { ...json(metadata), method: 'POST' });
      const { revision } = (await posted.json()) as { revision: string };
      expect(revision).toMatch(/^[0-9a-f]{64}$/);
      expect(await (await fetch(`${url}/v1/metadata/shop/${revision}`)).json()).toEqual(metadata);
      expect((await fetch(`${url}/v1/metadata/shop/r2`)).status).toBe(404);
      expect(
        (await fetch(`${url}/v1/definitions/org.shop.Cart`, json({ methods: ['add'] }))).status,
      ).toBe(201);
      expect(
        (await fetch(`${url}/v1/definitions/org.shop.Cart`, json({ methods: ['add', 'remove'] })))
          .status,
      ).toBe(200);
      expect(await (await fetch(`${url}/v1/definitions/org.shop.Cart`)).json()).toEqual({
        methods: ['add', 'remove'],
      });
    });

    it('lists plugins, guards restarts with the admin token, and exports Prometheus metrics', async () => {
      const { url } = await start({ adminToken: 's3cret' });
      const list = (await (await fetch(`${url}/v1/plugins`)).json()) as {
        plugins: { name: string; enabled: boolean }[];
      };
      // The bundled plugins other than the storage are listed, disabled.
      expect(list.plugins.map((p) => [p.name, p.enabled])).toEqual([
        ['memory-storage', true],
        ['postgres-storage', false],
        ['sqlite-storage', false],
      ]);
      expect(await (await fetch(`${url}/v1/plugins/memory-storage`)).json()).toMatchObject({
        state: 'running',
        restarts: 0,
      });
      expect((await fetch(`${url}/v1/plugins/nope`)).status).toBe(404);
      const admin = (token?: string): RequestInit => ({
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      });
      const refused = await fetch(`${url}/v1/plugins/memory-storage/restart`, admin());
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'BERTH_ERR_UNAUTHORIZED' });
      const wrong = await fetch(`${url}/v1/plugins/memory-storage/restart`, admin('nope'));
      expect(wrong.status).toBe(401);
      const restarted = await fetch(`${url}/v1/plugins/memory-storage/restart`, admin('s3cret'));
      expect(restarted.status).toBe(200);
      expect(await restarted.json()).toMatchObject({ state: 'running', restarts: 1 });
      await fetch(`${url}/v1/resources/c1/_/v1/pods/default/p`, json({ metadata: { name: 'p' } }));
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(
        'berth_calls_total{plugin="memory-storage",method="put",outcome="ok"} 1',
      );
      expect(metrics).toContain('berth_plugin_restarts{plugin="memory-storage"} 1');
      expect(metrics).toContain('berth_plugin_state{plugin="memory-storage",state="running"} 1');
      // A thread has an arena; a process has its resident memory, read every 100 ms.
      if (isolation === 'process') {
        expect(metrics).toMatch(
          /berth_plugin_process_resident_bytes\{plugin="memory-storage"\} \d+/,
        );
      } else {
        expect(metrics).toContain('berth_plugin_arena_bytes_in_use{plugin="memory-storage"} 0');
      }
      expect(metrics).toContain('berth_call_duration_seconds_bucket');
    });

    it('answers 503 with Retry-After when the storage plugin dies mid-request, then recovers', async () => {
      const { url, host } = await start({
        // Its folder alone: every plugin found in the plugin folders starts.
        plugins: [join(fixtures, 'flaky-storage')],
        storage: { name: 'flaky-storage', config: {} },
      });
      await fetch(
        `${url}/v1/resources/c1/_/v1/pods/default/kept`,
        json({ metadata: { name: 'kept' } }),
      );
      const restarted = new Promise((resolve) => host.once('plugin:restarted', resolve));
      const dying = await fetch(`${url}/v1/resources/c1/_/v1/pods/default/crash-me`);
      expect(dying.status).toBe(503);
      expect(dying.headers.get('retry-after')).toBe('1');
      expect(await dying.json()).toMatchObject({ code: 'BERTH_ERR_PLUGIN_CRASHED' });
      await restarted;
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // The fixture keeps its data in memory: the restarted worker starts empty, and answers.
      expect((await fetch(`${url}/v1/resources/c1/_/v1/pods/default/kept`)).status).toBe(404);
    });

    it('refuses to start when the storage plugin is not in the plugin folders', async () => {
      await expect(
        start({ storage: { name: 'no-such-storage', config: {} } }),
      ).rejects.toMatchObject({
        code: 'BERTH_ERR_PLUGIN_NOT_FOUND',
      });
    });
  },
);
