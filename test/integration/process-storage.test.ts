/**
 * The storage@1 conformance suite against the bundled sqlite-storage and postgres-storage
 * running in process isolation, unchanged: the host option `isolationOf` (what
 * `storage.isolation: "process"` in berth.config.json sets) puts each in a Node.js
 * process of its own. Then what only a process gives: the storage's process is killed
 * outright (as a segfault in its native driver would end it), the host goes on, the
 * plugin restarts, and every write acknowledged before the kill is still there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { codes, createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';
import {
  databaseUrl,
  dropSchema,
  uniqueSchema,
} from '../../plugins/postgres-storage/test/test-database.js';
import { pluginProcesses } from '../support/plugin-processes.js';
import { rejection } from '../support/rejection.js';

const plugins = fileURLToPath(new URL('../../plugins/', import.meta.url));

/** A host running `plugin` (a bundled storage) in a process, on a fresh data dir. */
async function openInProcess(plugin: string, options: HostOptions = {}, cleanUp = async () => {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-process-storage-'));
  const host: PluginHost = createHost({
    plugins: [plugins],
    enable: [plugin],
    isolationOf: { [plugin]: 'process' },
    dataDir,
    logger: pino({ level: 'silent' }),
    restart: { initialDelayMs: 10, jitter: 0 },
    ...options,
  });
  const close = async (): Promise<void> => {
    await host.close();
    await cleanUp();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await host.start();
    const [info] = host.plugins();
    if (info?.state !== 'running' || info.isolation !== 'process') {
      throw new Error(`${plugin} did not start in a process: ${info?.lastError?.message}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { host, storage: host.service<StorageLayer>('storage'), close };
}

describeStorageConformance('sqlite-storage through the host (process isolation)', () =>
  openInProcess('sqlite-storage', {
    config: { 'sqlite-storage': { storage: { synchronous: 'normal' } } },
  }),
);

describeStorageConformance('postgres-storage through the host (process isolation)', () => {
  const schema = uniqueSchema();
  return openInProcess(
    'postgres-storage',
    {
      config: {
        'postgres-storage': { storage: { schema, connectionString: databaseUrl, poolSize: 3 } },
      },
    },
    () => dropSchema(schema),
  );
});

describe('sqlite-storage in a process that is killed', () => {
  it('keeps every acknowledged write, restarts, and leaves the host serving', async () => {
    const { host, storage, close } = await openInProcess('sqlite-storage');
    try {
      const before = await pluginProcesses();
      expect(before).toHaveLength(1);
      const written = [];
      for (let i = 0; i < 20; i += 1) {
        written.push(
          await storage.put({
            cluster: 'c',
            type: 't',
            namespace: 'n',
            name: `r-${i}`,
            body: new TextEncoder().encode(`{"i":${i}}`),
          }),
        );
      }
      const restarted = new Promise((resolve) => host.once('plugin:restarted', resolve));
      // Sent before the kill, answered by nobody: the kill comes first, and the frames go
      // out only at the end of this tick. `list` is idempotent (its manifest says so), so
      // it is retried on the new process; `put` is not, so it fails with why.
      const listed = storage.list({ cluster: 'c' });
      const late = rejection(
        storage.put({
          cluster: 'c',
          type: 't',
          namespace: 'n',
          name: 'late',
          body: new Uint8Array(1),
        }),
      );
      process.kill(before[0] as number, 'SIGKILL');
      expect(await late).toMatchObject({ code: codes.PLUGIN_CRASHED, data: { signal: 'SIGKILL' } });
      expect((await listed).items.map((item) => item.name).sort()).toEqual(
        written.map((_, i) => `r-${i}`).sort(),
      );
      await restarted;
      const after = await pluginProcesses();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);
      const page = await storage.list({ cluster: 'c' });
      expect(page.items.map((item) => item.name).sort()).toEqual(
        written.map((_, i) => `r-${i}`).sort(),
      );
    } finally {
      await close();
    }
    expect(await pluginProcesses()).toEqual([]);
  });
});
