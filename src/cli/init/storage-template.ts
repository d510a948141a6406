/**
 * `berth init --contract storage`: a working storage@1 plugin that keeps resources in
 * memory, built on the SDK's shared request checks, list planning and paging, with tests
 * that run it inline and in a worker thread. It is a starting point: swap the Map for a
 * real store and the tests keep telling whether the contract still holds.
 */
import type { PluginTemplate } from './plugin-template.js';

/** The storage template for plugin `name`. */
export function storageTemplate(name: string): PluginTemplate {
  return {
    description: 'A storage@1 plugin for Berth that keeps resources in memory.',
    service: {
      name: 'storage',
      contract: 'storage@1',
      isolation: 'thread',
      defaultConfig: {},
      idempotent: ['get', 'list'],
    },
    files: { 'src/index.ts': source(name), 'test/storage.test.ts': test(name) },
    readmeUsage: usage(name),
  };
}

// size rule: the text of a generated file, one template literal.
function source(name: string): string {
  return `/**
 * ${name}: the storage@1 contract kept in memory. Each service instance has its own map,
 * made by the factory; it is gone when the service stops or its worker restarts. Every
 * request is checked with the SDK's validators first, so a malformed one fails with
 * BERTH_ERR_INVALID_ARGUMENT before it reaches the store.
 */
import {
  checkExpectedRevision,
  definePlugin,
  defineService,
  matchesListPlan,
  planList,
  takePage,
  validateDeleteRequest,
  validatePutRequest,
  validateResourceKey,
} from 'berth/sdk';
import type { ListResult, ResourceKey, StorageLayer, StoredResource } from 'berth/sdk';

/** The map key of a resource: checked key fields never hold NUL, so NUL separates them. */
function idOf({ cluster, type, namespace, name }: ResourceKey): string {
  return [cluster, type, namespace, name].join('\\0');
}

/** Callers get copies, so nobody can change stored data through a returned object. */
function copyOf(stored: StoredResource): StoredResource {
  return { ...stored, labels: { ...stored.labels }, body: new Uint8Array(stored.body) };
}

export default definePlugin({
  services: {
    storage: defineService<StorageLayer>((svc) => {
      const resources = new Map<string, StoredResource>();
      /** Store-wide and never reused, not even after a delete. */
      let revision = 0;
      return {
        methods: {
          put(_call, input) {
            const request = validatePutRequest(input);
            const id = idOf(request);
            const current = resources.get(id);
            checkExpectedRevision(request, current?.revision ?? 0);
            revision += 1;
            const { cluster, type, namespace, name } = request;
            resources.set(id, {
              cluster,
              type,
              namespace,
              name,
              revision,
              labels: { ...request.labels },
              // Copy the body: the caller's buffer may be reused after the call.
              body: new Uint8Array(request.body),
            });
            return { revision, created: current === undefined };
          },
          get(_call, key) {
            const stored = resources.get(idOf(validateResourceKey(key)));
            return stored === undefined ? null : copyOf(stored);
          },
          delete(_call, input) {
            const request = validateDeleteRequest(input);
            const current = resources.get(idOf(request));
            checkExpectedRevision(request, current?.revision ?? 0);
            return { deleted: resources.delete(idOf(request)) };
          },
          list(_call, query) {
            // planList checks the query, parses its selector and decodes its continue token.
            const plan = planList(query);
            const matches = [...resources.values()].filter((r) => matchesListPlan(r, plan));
            const page = takePage(matches, plan);
            const result: ListResult = { items: page.items.map(copyOf) };
            if (page.continue !== undefined) result.continue = page.continue;
            return result;
          },
        },
        onStart() {
          svc.log.info('${name} started: resources live in memory until the service stops');
        },
        onHealthCheck() {
          return { ok: true, detail: \`\${resources.size} resources, revision \${revision}\` };
        },
        onStop() {
          resources.clear();
        },
      };
    }),
  },
});
`;
}

// size rule: the text of a generated file, one template literal.
function test(name: string): string {
  return `/**
 * ${name}'s tests. Each one runs twice: inline (the plugin runs in this thread, so a
 * debugger's breakpoints bind) and in a real worker thread, as \`berth serve\` runs it,
 * where every argument, result and error crosses the thread boundary. Both load the
 * built plugin (dist/), which is why \`npm test\` builds first.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { codes, type StorageLayer } from 'berth/sdk';
import { startTestPlugin, type TestPlugin } from 'berth/testing';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));
const text = new TextEncoder();

function resource(name: string, labels: Record<string, string> = {}) {
  const body = text.encode(JSON.stringify({ kind: 'ConfigMap', metadata: { name } }));
  return { cluster: 'dev', type: 'core/v1/configmaps', namespace: 'default', name, labels, body };
}

describe.each(['inline', 'thread'] as const)('${name} (%s)', (isolation) => {
  let plugin: TestPlugin | undefined;
  afterEach(async () => {
    await plugin?.close();
    plugin = undefined;
  });

  async function start() {
    plugin = await startTestPlugin(pluginDir, { isolation });
    return plugin.service<StorageLayer>('storage');
  }

  it('stores a resource and returns its body byte for byte', async () => {
    const storage = await start();
    const web = resource('web', { app: 'web' });
    expect(await storage.put(web)).toEqual({ revision: 1, created: true });
    const got = await storage.get(web);
    expect(got).toMatchObject({ name: 'web', revision: 1, labels: { app: 'web' } });
    expect(new Uint8Array(got?.body ?? [])).toEqual(web.body);
    expect(await storage.put(web)).toEqual({ revision: 2, created: false });
  });

  it('lists by label selector, one page at a time', async () => {
    const storage = await start();
    for (const name of ['a', 'b', 'c', 'd']) await storage.put(resource(name, { tier: 'web' }));
    await storage.put(resource('db', { tier: 'db' }));
    const first = await storage.list({ labelSelector: 'tier=web', limit: 3 });
    expect(first.items.map((item) => item.name)).toEqual(['a', 'b', 'c']);
    expect(first.continue).toBeDefined();
    const rest = await storage.list({
      labelSelector: 'tier=web',
      limit: 3,
      ...(first.continue === undefined ? {} : { continue: first.continue }),
    });
    expect(rest.items.map((item) => item.name)).toEqual(['d']);
    expect(rest.continue).toBeUndefined();
  });

  it('refuses a write that expects a stale revision', async () => {
    const storage = await start();
    const { revision } = await storage.put(resource('web'));
    await storage.put(resource('web'));
    await expect(
      storage.put({ ...resource('web'), expectedRevision: revision }),
    ).rejects.toMatchObject({ code: codes.REVISION_CONFLICT });
    await expect(
      storage.delete({ ...resource('web'), expectedRevision: revision }),
    ).rejects.toMatchObject({ code: codes.REVISION_CONFLICT });
  });

  it('deletes, and reports a delete of nothing', async () => {
    const storage = await start();
    await storage.put(resource('web'));
    expect(await storage.delete(resource('web'))).toEqual({ deleted: true });
    expect(await storage.get(resource('web'))).toBeNull();
    expect(await storage.delete(resource('web'))).toEqual({ deleted: false });
  });

  it('rejects a malformed request with BERTH_ERR_INVALID_ARGUMENT', async () => {
    const storage = await start();
    await expect(storage.get({ ...resource('web'), cluster: '' })).rejects.toMatchObject({
      code: codes.INVALID_ARGUMENT,
    });
    await expect(storage.list({ labelSelector: 'tier in (' })).rejects.toMatchObject({
      code: codes.INVALID_ARGUMENT,
    });
  });
});
`;
}

function usage(name: string): string {
  return `Serve it: \`berth serve\` keeps its resources in this plugin.

\`\`\`sh
npx berth serve --plugins . --storage-name ${name} --port 7070
curl -X PUT localhost:7070/v1/resources/dev/_/v1/configmaps/default/web \\
     -H 'content-type: application/json' -d '{"metadata":{"name":"web","labels":{"app":"web"}}}'
curl 'localhost:7070/v1/resources/dev/_/v1/configmaps?labelSelector=app%3Dweb'
\`\`\`

Or call it from code:

\`\`\`ts
import { createHost, type StorageLayer } from 'berth';

const host = createHost({ plugins: ['.'] });
await host.start();
const storage = host.service<StorageLayer>('${name}/storage');
console.log(await storage.list({ cluster: 'dev' }));
await host.close();
\`\`\``;
}
