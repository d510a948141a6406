/**
 * The storage@1 conformance suite against postgres-storage on a pool of two threads:
 * each thread has its own connection pool to the one database. The suite shares one host
 * on a fresh schema, emptied before every test and dropped after the host closes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createHost } from '../../src/index.js';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';
import {
  databaseUrl,
  dropSchema,
  uniqueSchema,
} from '../../plugins/postgres-storage/test/test-database.js';
import { writePoolVariant, type PoolVariant } from './pool-variant.js';

const postgresPlugin = fileURLToPath(new URL('../../plugins/postgres-storage/', import.meta.url));
const THREADS = 2;

let variant: PoolVariant | undefined;
beforeAll(async () => {
  variant = await writePoolVariant(postgresPlugin, THREADS);
});
afterAll(async () => {
  await variant?.remove();
});

describeStorageConformance(`postgres-storage through the host (pool of ${THREADS})`, async () => {
  if (variant === undefined) throw new Error('the pool variant is written in beforeAll');
  const schema = uniqueSchema();
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-pool-postgres-'));
  const host = createHost({
    plugins: [variant.dir],
    dataDir,
    logger: pino({ level: 'silent' }),
    // Small connection pools: two threads per suite, test files in parallel.
    config: {
      'postgres-storage': { storage: { schema, connectionString: databaseUrl, poolSize: 3 } },
    },
  });
  const close = async (): Promise<void> => {
    await host.close();
    await dropSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await host.start();
    const [info] = host.plugins();
    if (info?.state !== 'running') {
      throw new Error(`postgres-storage did not start on a pool: ${info?.lastError?.message}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { storage: host.service<StorageLayer>('storage'), close };
});
