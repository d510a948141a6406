/**
 * sqlite-storage through the real host with its service in a worker thread (what
 * production runs): the conformance suite once, persistence across hosts, and lists that
 * span many chunk statements under a tight hang limit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../../../src/index.js';
import type { HostOptions, PluginHost } from '../../../src/index.js';
import { startTestPlugin } from '../../../src/testing/index.js';
import type { StorageLayer } from '../../../src/contracts/storage.js';
import { describeStorageConformance } from '../../../test/conformance/storage-conformance.js';

const pluginDir = fileURLToPath(new URL('../', import.meta.url));

describeStorageConformance('sqlite-storage through the host (thread)', async () => {
  const started = await startTestPlugin(pluginDir, {
    isolation: 'thread',
    config: { storage: { synchronous: 'normal' } },
  });
  return { storage: started.service<StorageLayer>('storage'), close: () => started.close() };
});

describe('sqlite-storage through the host', () => {
  const hosts: PluginHost[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-host-'));
    dirs.push(dir);
    return dir;
  };
  const startHost = async (dataDir: string, options: HostOptions = {}): Promise<PluginHost> => {
    const host = createHost({
      plugins: [pluginDir],
      isolation: 'thread',
      dataDir,
      logger: pino({ level: 'silent' }),
      ...options,
    });
    hosts.push(host);
    await host.start();
    return host;
  };

  it('keeps what was put after the host closes, for a new host on the same data dir', async () => {
    const dataDir = await tempDir();
    const first = await startHost(dataDir);
    const key = { cluster: 'c', type: 'apps/v1/deployments', namespace: 'ns', name: 'web' };
    const body = new TextEncoder().encode('{"kind":"Deployment"}');
    const { revision } = await first
      .service<StorageLayer>('storage')
      .put({ ...key, labels: { app: 'web' }, body });
    await first.close();

    const second = await startHost(dataDir);
    const got = await second.service<StorageLayer>('storage').get(key);
    expect(got).toMatchObject({ ...key, revision, labels: { app: 'web' } });
    expect(new TextDecoder().decode(got?.body)).toBe('{"kind":"Deployment"}');
  });

  it('lists a selective query over many chunks without the worker being taken for hung', async () => {
    // Fill the store under the default hang limit: a burst of puts is one synchronous
    // stretch per batch of calls, which is not what this test is about.
    const dataDir = await tempDir();
    const config = { 'sqlite-storage': { storage: { synchronous: 'normal', listChunkRows: 16 } } };
    const filler = await startHost(dataDir, { config });
    const total = 3_000;
    for (let start = 0; start < total; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          filler.service<StorageLayer>('storage').put({
            cluster: 'c',
            type: 't',
            namespace: 'ns',
            name: `r-${String(start + i).padStart(5, '0')}`,
            labels: (start + i) % 1000 === 999 ? { rare: 'yes' } : {},
            body: new Uint8Array(8),
          }),
        ),
      );
    }
    await filler.close();

    // Then list under a tight limit: 3,000 rows in chunks of 16 is about 190 statements
    // for three matches, and the list yields between them.
    const host = await startHost(dataDir, { hangTimeoutMs: 500, config });
    const crashes: unknown[] = [];
    host.on('plugin:crashed', (event) => crashes.push(event));
    const storage = host.service<StorageLayer>('storage');
    const page = await storage.list({ labelSelector: 'rare=yes' });
    expect(page.items.map((item) => item.name)).toEqual(['r-00999', 'r-01999', 'r-02999']);
    const descending = await storage.list({ labelSelector: 'rare', descending: true, limit: 2 });
    expect(descending.items.map((item) => item.name)).toEqual(['r-02999', 'r-01999']);
    expect(descending.continue).toBeTypeOf('string');
    expect(crashes).toEqual([]);
  });
});
