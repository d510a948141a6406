/**
 * The bundled storage plugins' migration files, up and down, through the real host and
 * `uninstallPlugin` in a real worker thread: on a real SQLite file and on the real
 * PostgreSQL. After the uninstall only the empty bookkeeping table is left, and a new
 * start migrates afresh.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../../src/index.js';
import type { PluginHost, StorageLayer } from '../../src/index.js';
import { uninstallPlugin } from '../../src/host/lifecycle/uninstall-plugin.js';
import {
  databaseUrl,
  dropSchema,
  execute,
  uniqueSchema,
} from '../../plugins/postgres-storage/test/test-database.js';
import { uninstallSpecFor } from './uninstall-spec.js';

const pluginDir = (name: string): string =>
  fileURLToPath(new URL(`../../plugins/${name}/`, import.meta.url));
const key = { cluster: 'c', type: 'apps/v1/deployments', namespace: 'ns', name: 'web' };

describe('uninstalling the storage plugins', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const hosts: PluginHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-uninstall-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  const startStorage = async (
    plugin: string,
    dataDir: string,
    config: Record<string, unknown> = {},
  ): Promise<StorageLayer> => {
    const host = createHost({
      plugins: [pluginDir(plugin)],
      isolation: 'thread',
      dataDir,
      logger: pino({ level: 'silent' }),
      config: { [plugin]: { storage: config } },
    });
    hosts.push(host);
    await host.start();
    return host.service<StorageLayer>('storage');
  };
  const closeHosts = async (): Promise<void> => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
  };

  it('sqlite-storage: drops its tables from the database file, and migrates afresh after', async () => {
    const dataDir = await tempDir();
    const config = { synchronous: 'normal' };
    const first = await startStorage('sqlite-storage', dataDir, config);
    await first.put({ ...key, body: new Uint8Array([1]) });
    await closeHosts();

    const spec = await uninstallSpecFor(pluginDir('sqlite-storage'), {
      dataDir,
      config: { storage: config },
    });
    await uninstallPlugin(spec);
    const db = new Database(join(dataDir, 'plugins', 'sqlite-storage', 'berth.db'), {
      readonly: true,
    });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck();
      expect(tables.all()).toEqual(['berth_migrations']);
      expect(db.prepare('SELECT count(*) FROM berth_migrations').pluck().get()).toBe(0);
    } finally {
      db.close();
    }

    const again = await startStorage('sqlite-storage', dataDir, config);
    expect(await again.get(key)).toBeNull();
    expect((await again.put({ ...key, body: new Uint8Array() })).revision).toBe(1);
  });

  it('postgres-storage: drops its tables from the schema, and migrates afresh after', async () => {
    const dataDir = await tempDir();
    const schema = uniqueSchema();
    cleanups.push(() => dropSchema(schema));
    const config = { schema, connectionString: databaseUrl };
    const first = await startStorage('postgres-storage', dataDir, config);
    await first.put({ ...key, body: new Uint8Array([1]) });
    await closeHosts();

    const spec = await uninstallSpecFor(pluginDir('postgres-storage'), {
      dataDir,
      config: { storage: config },
    });
    await uninstallPlugin(spec);
    const left = await execute(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'S') ORDER BY c.relname`,
      [schema],
    );
    expect(left.rows).toEqual([{ relname: 'berth_migrations' }]);
    const functions = await execute(
      `SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1`,
      [schema],
    );
    expect(functions.rows).toEqual([{ n: 0 }]);
    expect((await execute(`SELECT * FROM "${schema}".berth_migrations`)).rowCount).toBe(0);

    const again = await startStorage('postgres-storage', dataDir, config);
    expect(await again.get(key)).toBeNull();
    await again.put({ ...key, body: new Uint8Array() });
    const applied = await execute(`SELECT name FROM "${schema}".berth_migrations`);
    expect(applied.rows).toEqual([{ name: '001_init.sql' }]);
  });
});
