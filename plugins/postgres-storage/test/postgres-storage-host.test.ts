/**
 * The storage@1 conformance suite against postgres-storage through the real host, in a
 * worker thread: every request, result and error crosses the wire, and the pool lives in
 * the worker. The suite shares one host on a fresh schema, emptied before every test and
 * dropped after the host closes.
 */
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { startTestPlugin } from 'berth/testing';
import type { StorageLayer } from 'berth/sdk';
import { describeStorageConformance } from '../../../test/conformance/storage-conformance.js';
import { databaseUrl, dropSchema, uniqueSchema } from './test-database.js';

const pluginDir = fileURLToPath(new URL('../', import.meta.url));

describe('postgres-storage through the host', () => {
  describeStorageConformance('postgres-storage through the host (thread)', async () => {
    const schema = uniqueSchema();
    const started = await startTestPlugin(pluginDir, {
      isolation: 'thread',
      config: { storage: { schema, connectionString: databaseUrl } },
    });
    return {
      storage: started.service<StorageLayer>('storage'),
      close: async () => {
        await started.close();
        await dropSchema(schema);
      },
    };
  });
});
