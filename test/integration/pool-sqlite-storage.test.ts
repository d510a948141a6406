/**
 * The storage@1 conformance suite against sqlite-storage on a pool of two threads: each
 * thread opens its own connections to the one database file, so every test also checks
 * that what one thread writes, the other reads (WAL, and the plugin's busy retry when
 * both write at once).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/index.js';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';
import { writePoolVariant, type PoolVariant } from './pool-variant.js';

const sqlitePlugin = fileURLToPath(new URL('../../plugins/sqlite-storage/', import.meta.url));
const THREADS = 2;

let variant: PoolVariant | undefined;
beforeAll(async () => {
  variant = await writePoolVariant(sqlitePlugin, THREADS);
});
afterAll(async () => {
  await variant?.remove();
});

/** A host running the pool variant on a fresh data dir, and how to close it all. */
async function openPooledSqlite() {
  if (variant === undefined) throw new Error('the pool variant is written in beforeAll');
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-pool-sqlite-'));
  const host = createHost({
    plugins: [variant.dir],
    dataDir,
    logger: pino({ level: 'silent' }),
    config: { 'sqlite-storage': { storage: { synchronous: 'normal' } } },
  });
  const close = async (): Promise<void> => {
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await host.start();
    const [info] = host.plugins();
    if (info?.state !== 'running') {
      throw new Error(`sqlite-storage did not start on a pool: ${info?.lastError?.message}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { host, storage: host.service<StorageLayer>('storage'), close };
}

describeStorageConformance(`sqlite-storage through the host (pool of ${THREADS})`, () =>
  openPooledSqlite(),
);

describe('sqlite-storage on a pool', () => {
  it(`runs on ${THREADS} threads that share one database file`, async () => {
    const { host, storage, close } = await openPooledSqlite();
    try {
      expect(host.plugins()[0]).toMatchObject({ isolation: 'pool', state: 'running' });
      // Enough concurrent writes that both threads take some, each committing through its
      // own connection; every revision is still unique and every write visible to all.
      const written = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          storage.put({
            cluster: 'c',
            type: 't',
            namespace: 'n',
            name: `r-${String(i).padStart(2, '0')}`,
            body: new TextEncoder().encode(`{"i":${i}}`),
          }),
        ),
      );
      expect(new Set(written.map((w) => w.revision)).size).toBe(40);
      for (let round = 0; round < 4; round += 1) {
        const page = await storage.list({ cluster: 'c' });
        expect(page.items).toHaveLength(40);
      }
    } finally {
      await close();
    }
  });
});
