// The storage@1 conformance suite through the real host: inline, and in a worker thread
// where every request and result crosses the wire.
import { fileURLToPath } from 'node:url';
import { startTestPlugin } from '../../src/testing/index.js';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';

const plugin = fileURLToPath(new URL('../../plugins/memory-storage/', import.meta.url));

for (const isolation of ['inline', 'thread'] as const) {
  describeStorageConformance(`memory-storage through the host (${isolation})`, async () => {
    const started = await startTestPlugin(plugin, { isolation });
    return { storage: started.service<StorageLayer>('storage'), close: () => started.close() };
  });
}
