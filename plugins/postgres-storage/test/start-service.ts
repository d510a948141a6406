/**
 * Starts the plugin's storage service in this process the way the host would (config
 * merged over the manifest's defaultConfig, the factory, the manifest's migrations
 * through the SDK, then onStart, with a real ServiceContext), for tests that call it
 * directly.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadMigrations, runMigrations } from 'berth/sdk';
import { callContext } from 'berth/testing';
import type { Migration } from 'berth/sdk';
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
  /** The migrations this start applied (none when the schema was up to date). */
  readonly applied: readonly string[];
  /** Runs onStop and removes the data folder. Safe to call twice. */
  stop(): Promise<void>;
}

const log = pino({ level: 'silent' });
const pluginDir = fileURLToPath(new URL('../', import.meta.url));

interface Manifest {
  migrations: string[];
  services: { name: string; defaultConfig: ServiceConfig }[];
}

async function readPluginManifest(): Promise<Manifest> {
  return JSON.parse(await readFile(join(pluginDir, 'plugin.json'), 'utf8')) as Manifest;
}

/** The plugin's migrations, read as the host reads them, with `config` for `@config`. */
export async function pluginMigrations(config: ServiceConfig): Promise<Migration[]> {
  const manifest = await readPluginManifest();
  const files = manifest.migrations.map((path) => join(pluginDir, path));
  return loadMigrations(files, config, { plugin: 'postgres-storage', service: 'storage' });
}

/** Starts the storage service with `config`; rejects with onStart's error, cleaning up. */
export async function startService(overrides: ServiceConfig): Promise<StartedService> {
  const factory = plugin.services['storage'] as ServiceFactory<StorageLayer> | undefined;
  if (factory === undefined) throw new Error('postgres-storage has no storage service');
  const defaults = (await readPluginManifest()).services[0]?.defaultConfig ?? {};
  const config = { ...defaults, ...overrides };
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
  let service: ServiceImplementation<StorageLayer>;
  try {
    service = await factory(context);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
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
  let applied: string[];
  try {
    if (service.migrations === undefined) throw new Error('postgres-storage returns no driver');
    const site = { plugin: 'postgres-storage', service: 'storage' };
    applied = await runMigrations(service.migrations, await pluginMigrations(config), 'up', site);
    await service.onStart?.(context);
  } catch (error) {
    await stop();
    throw error;
  }
  const call = async <A, R>(
    method: string,
    invoke: (ctx: CallContext, arg: A) => R | Promise<R>,
    arg: A,
  ): Promise<R> => invoke(callContext(context, method), arg);
  const { methods } = service;
  const storage: StorageLayer = {
    put: (request) => call('put', methods.put, request),
    get: (key) => call('get', methods.get, key),
    delete: (request) => call('delete', methods.delete, request),
    list: (query) => call('list', methods.list, query),
  };
  return { context, service, storage, applied, stop };
}
