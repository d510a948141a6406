/**
 * Starts the plugin's storage service in this process the way the host would (factory,
 * then onStart, with a real ServiceContext), for tests that call it directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type {
  CallContext,
  ServiceConfig,
  ServiceContext,
  ServiceFactory,
  ServiceImplementation,
  StorageLayer,
} from 'berth/sdk';
import plugin from '../src/index.js';

/** A started service, a StorageLayer over its methods, and how to stop it. */
export interface StartedService {
  readonly context: ServiceContext;
  readonly service: ServiceImplementation<StorageLayer>;
  readonly storage: StorageLayer;
  /** Runs onStop and removes the data folder. Safe to call twice. */
  stop(): Promise<void>;
}

const log = pino({ level: 'silent' });

/** Starts the storage service with `config`; rejects with onStart's error, cleaning up. */
export async function startService(config: ServiceConfig): Promise<StartedService> {
  const factory = plugin.services['storage'] as ServiceFactory<StorageLayer> | undefined;
  if (factory === undefined) throw new Error('postgres-storage has no storage service');
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-postgres-storage-'));
  const stopping = new AbortController();
  const context: ServiceContext = {
    plugin: 'postgres-storage',
    version: '0.1.0',
    service: 'storage',
    log,
    config,
    dataDir,
    signal: stopping.signal,
  };
  const service = await factory(context);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping.abort();
      try {
        await service.onStop?.(context);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    })());
  try {
    await service.onStart?.(context);
  } catch (error) {
    await stop();
    throw error;
  }
  const call = async <A, R>(
    method: string,
    invoke: (ctx: CallContext, arg: A) => R | Promise<R>,
    arg: A,
  ): Promise<R> => invoke({ ...context, method, signal: new AbortController().signal }, arg);
  const { methods } = service;
  const storage: StorageLayer = {
    put: (request) => call('put', methods.put, request),
    get: (key) => call('get', methods.get, key),
    delete: (request) => call('delete', methods.delete, request),
    list: (query) => call('list', methods.list, query),
  };
  return { context, service, storage, stop };
}
