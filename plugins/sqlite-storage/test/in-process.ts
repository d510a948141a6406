/**
 * Runs sqlite-storage's storage service in this process, the way the host would (a real
 * context, the factory, the manifest's migrations through the SDK, onStart, onStop), on
 * a temporary data directory: for the conformance suite and the tests that need no worker.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadMigrations, runMigrations } from 'berth/sdk';
import { callContext } from 'berth/testing';
import type {
  CallContext,
  ServiceContext,
  ServiceFactory,
  ServiceImplementation,
  StorageLayer,
} from 'berth/sdk';
import plugin from '../src/index.js';

const log = pino({ level: 'silent' });
const pluginDir = fileURLToPath(new URL('../', import.meta.url));

/** The plugin's migration files, absolute, in manifest order (as the host passes them). */
export async function migrationFiles(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(pluginDir, 'plugin.json'), 'utf8')) as {
    migrations: string[];
  };
  return manifest.migrations.map((path) => join(pluginDir, path));
}

/** A started service and the data directory it owns. */
export interface InProcessStorage {
  readonly context: ServiceContext;
  readonly service: ServiceImplementation<StorageLayer>;
  /** The service's methods as a StorageLayer, each call with its own CallContext. */
  readonly storage: StorageLayer;
  readonly dataDir: string;
  /** The migrations this start applied (none when the file was already up to date). */
  readonly applied: readonly string[];
  /** Runs onStop; removes the data directory unless `keepData`. Safe to call twice. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the storage service with `config` over the manifest defaults, in `dataDir` (a
 * fresh temporary directory when absent).
 */
export async function startInProcess(
  config: Record<string, unknown> = {},
  dataDir?: string,
): Promise<InProcessStorage> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-sqlite-storage-')));
  const factory = plugin.services['storage'] as ServiceFactory<StorageLayer> | undefined;
  if (factory === undefined) throw new Error('sqlite-storage has no storage service');
  const stopping = new AbortController();
  const context: ServiceContext = {
    plugin: 'sqlite-storage',
    version: '0.1.0',
    service: 'storage',
    log,
    config,
    dataDir: dir,
    signal: stopping.signal,
  };
  let service: ServiceImplementation<StorageLayer> | undefined;
  let applied: string[];
  try {
    service = await factory(context);
    if (service.migrations === undefined) throw new Error('sqlite-storage returns no driver');
    const site = { plugin: 'sqlite-storage', service: 'storage' };
    const migrations = await loadMigrations(await migrationFiles(), config, site);
    applied = await runMigrations(service.migrations, migrations, 'up', site);
    await service.onStart?.(context);
  } catch (error) {
    await service?.onStop?.(context);
    // A directory made here is removed here; a caller's stays the caller's.
    if (dataDir === undefined) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const call = async <A, R>(
    method: string,
    invoke: (ctx: CallContext, arg: A) => R | Promise<R>,
    arg: A,
  ): Promise<R> => invoke(callContext(context, method), arg);
  const { methods } = service;
  let stopped: Promise<void> | undefined;
  return {
    context,
    service,
    dataDir: dir,
    applied,
    storage: {
      put: (request) => call('put', methods.put, request),
      get: (key) => call('get', methods.get, key),
      delete: (request) => call('delete', methods.delete, request),
      list: (query) => call('list', methods.list, query),
    },
    stop(options = {}) {
      stopped ??= (async () => {
        stopping.abort();
        await service.onStop?.(context);
        if (options.keepData !== true) await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
