// The storage@1 conformance suite through the real host: inline, and in a worker thread
// where every request and result crosses the wire. Then what memory-storage says about
// its data: it lasts only as long as the plugin's worker.
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestPlugin, type TestPlugin } from '../../src/testing/index.js';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';

const plugin = fileURLToPath(new URL('../../plugins/memory-storage/', import.meta.url));

for (const isolation of ['inline', 'thread'] as const) {
  describeStorageConformance(`memory-storage through the host (${isolation})`, async () => {
    const started = await startTestPlugin(plugin, { isolation });
    return { storage: started.service<StorageLayer>('storage'), close: () => started.close() };
  });
}

describe('memory-storage in a worker thread', () => {
  let started: TestPlugin | undefined;
  afterEach(async () => {
    await started?.close();
    started = undefined;
  });

  it('warns at every start that its data lives only as long as its worker, and it does', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    started = await startTestPlugin(plugin, {
      isolation: 'thread',
      logger: pino({ level: 'info' }, sink),
    });
    const warnings = (): Record<string, unknown>[] =>
      lines.filter((line) => line['volatile'] === true);
    await expect.poll(() => warnings().length).toBe(1);
    expect(warnings()[0]).toMatchObject({ level: 40, plugin: 'memory-storage' });

    const storage = started.service<StorageLayer>('storage');
    const key = { cluster: 'c', type: 't', namespace: 'n', name: 'kept?' };
    await storage.put({ ...key, body: new Uint8Array([1]) });
    expect(await storage.get(key)).not.toBeNull();
    await started.host.restart('memory-storage');
    await expect.poll(() => warnings().length).toBe(2);
    expect(await storage.get(key)).toBeNull();
  });
});
