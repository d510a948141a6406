/**
 * Runs the storage@1 conformance suite against memory-storage in this process, calling
 * its service factory directly: once passing values as they are, once passing every
 * argument, result and error through msgpack as a worker thread would.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isPluginDefinition } from 'berth/sdk';
import { callContext } from 'berth/testing';
import type {
  CallContext,
  ServiceContext,
  ServiceFactory,
  ServiceImplementation,
  StorageLayer,
} from 'berth/sdk';
import { fromWireError, toWireError } from '../../../src/wire-error.js';
import type { WireError } from '../../../src/wire-error.js';
import { describeStorageConformance } from '../../../test/conformance/storage-conformance.js';
import type { OpenedStorage } from '../../../test/conformance/storage-conformance.js';
import plugin from '../src/index.js';

/** How values cross between caller and service. */
interface Codec {
  value<T>(value: T): T;
  error(error: unknown): unknown;
}

const sameProcess: Codec = { value: (value) => value, error: (error) => error };
const msgpack: Codec = {
  value: (value) => unpack(pack(value)) as typeof value,
  error: (error) => fromWireError(unpack(pack(toWireError(error))) as WireError),
};

const log = pino({ level: 'silent' });

interface Started {
  context: ServiceContext;
  service: ServiceImplementation<StorageLayer>;
  stop(): Promise<void>;
}

/** Starts the plugin's storage service the way the host would, with a real context. */
async function startService(): Promise<Started> {
  expect(isPluginDefinition(plugin)).toBe(true);
  const factory = plugin.services['storage'] as ServiceFactory<StorageLayer> | undefined;
  if (factory === undefined) throw new Error('memory-storage has no storage service');
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-memory-storage-'));
  const stopping = new AbortController();
  const context: ServiceContext = {
    plugin: 'memory-storage',
    version: '0.1.0',
    service: 'storage',
    log,
    config: {},
    dataDir,
    signal: stopping.signal,
  };
  const service = await factory(context);
  await service.onStart?.(context);
  return {
    context,
    service,
    async stop() {
      stopping.abort();
      await service.onStop?.(context);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A StorageLayer over the service's methods, each call with its own CallContext. */
function storageOver({ context, service }: Started, codec: Codec): StorageLayer {
  const call = async <A, R>(
    method: string,
    invoke: (ctx: CallContext, arg: A) => R | Promise<R>,
    arg: A,
  ): Promise<R> => {
    const ctx = callContext(context, method);
    try {
      return codec.value(await invoke(ctx, codec.value(arg)));
    } catch (error) {
      throw codec.error(error);
    }
  };
  const { methods } = service;
  return {
    put: (request) => call('put', methods.put, request),
    get: (key) => call('get', methods.get, key),
    delete: (request) => call('delete', methods.delete, request),
    list: (query) => call('list', methods.list, query),
  };
}

function opener(codec: Codec): () => Promise<OpenedStorage> {
  return async () => {
    const started = await startService();
    return { storage: storageOver(started, codec), close: () => started.stop() };
  };
}

describeStorageConformance('memory-storage, in process', opener(sameProcess));
describeStorageConformance('memory-storage, through msgpack', opener(msgpack));

describe('memory-storage', () => {
  it('declares one storage@1 service in its manifest, matching its module', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../plugin.json', import.meta.url), 'utf8'),
    ) as { name: string; services: { name: string; contract: string }[] };
    expect(manifest.name).toBe('memory-storage');
    expect(manifest.services.map((s) => [s.name, s.contract])).toEqual([['storage', 'storage@1']]);
    expect(Object.keys(plugin.services)).toEqual(['storage']);
  });

  it('reports healthy, with the number of resources it holds', async () => {
    const started = await startService();
    try {
      const storage = storageOver(started, sameProcess);
      await storage.put({
        cluster: 'c',
        type: 't',
        namespace: '',
        name: 'n',
        body: new Uint8Array(),
      });
      expect(await started.service.onHealthCheck?.(started.context)).toEqual({
        ok: true,
        detail: '1 resources, revision 1',
      });
    } finally {
      await started.stop();
    }
  });

  it('keeps separate data in separate service instances', async () => {
    const [first, second] = [await startService(), await startService()];
    try {
      const key = { cluster: 'c', type: 't', namespace: '', name: 'n' };
      await storageOver(first, sameProcess).put({ ...key, body: new Uint8Array([1]) });
      expect(await storageOver(second, sameProcess).get(key)).toBeNull();
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
