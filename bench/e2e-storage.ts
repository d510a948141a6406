/**
 * The end-to-end scenario: a storage `list` of 1,000 resources through the bundled
 * memory-storage plugin, the workload Clusterpedia cares about, inline against thread.
 * Bodies are the JSON of the bench records, stored and returned as bytes.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createHost, type PluginHost, type Remote, type StorageLayer } from '../src/index.js';
import type { CallWithCheck } from './measure.js';
import { makeRecord, RECORD_COUNT } from './payloads.js';

/** The bundled plugins, from dist/bench/ up to the repository's plugins/. */
const pluginsDir = fileURLToPath(new URL('../../plugins/', import.meta.url));

/** An opened end-to-end scenario. */
export interface StorageScenario extends CallWithCheck {
  readonly name: string;
  close(): Promise<void>;
}

/** Starts memory-storage with `isolation` and fills it with the 1,000 records. */
export async function openStorageScenario(
  isolation: 'inline' | 'thread',
  dataDir: string,
): Promise<StorageScenario> {
  const host: PluginHost = createHost({
    plugins: [pluginsDir],
    enable: ['memory-storage'],
    isolation,
    dataDir,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  await host.start();
  const storage: Remote<StorageLayer> = host.service<StorageLayer>('memory-storage/storage');
  const encoder = new TextEncoder();
  const names: string[] = [];
  await Promise.all(
    Array.from({ length: RECORD_COUNT }, (_, i) => {
      const record = makeRecord(i);
      names.push(record.metadata.name);
      return storage.put({
        cluster: 'bench',
        type: 'apps/v1/deployments',
        namespace: record.metadata.namespace,
        name: record.metadata.name,
        labels: record.metadata.labels,
        body: encoder.encode(JSON.stringify(record)),
      });
    }),
  );
  const expected = new Set(names);
  return {
    name: `berth ${isolation}`,
    call: () => storage.list({ cluster: 'bench', type: 'apps/v1/deployments' }),
    check(_id, value) {
      const { items } = value as Awaited<ReturnType<StorageLayer['list']>>;
      if (
        items.length !== RECORD_COUNT ||
        !items.every((item) => expected.has(item.name) && item.body.byteLength > 0)
      ) {
        throw new Error(`wrong storage list result: ${items.length} items`);
      }
    },
    close: () => host.close(),
  };
}
