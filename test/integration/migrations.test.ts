/**
 * Plugin migrations end to end, with real worker threads and a real SQLite file: applied
 * at start through the plugin's driver (once), taken down by `uninstallPlugin`, and every
 * refusal (a changed file, a missing `@config` key, no down section, no driver) with
 * nothing half done. The plugin is the `migrating` fixture module behind a plugin.json
 * and SQL files each test writes.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { codes, createHost } from '../../src/index.js';
import type { PluginHost } from '../../src/index.js';
import { uninstallPlugin } from '../../src/host/lifecycle/uninstall-plugin.js';
import type { MigratingStore } from '../fixtures/plugins/migrating/index.js';
import { uninstallSpecFor } from './uninstall-spec.js';

const fixtureMain = fileURLToPath(
  new URL('../fixtures/plugins/migrating/index.js', import.meta.url),
);

const CREATE = [
  '-- berth:up',
  'CREATE TABLE "@config.table" (x INTEGER NOT NULL);',
  '-- berth:down',
  'DROP TABLE "@config.table";',
].join('\n');
const SEED = [
  '-- berth:up',
  'INSERT INTO "@config.table" (x) VALUES (@config.seed);',
  '-- berth:down',
  'DELETE FROM "@config.table";',
].join('\n');

describe('plugin migrations', () => {
  const dirs: string[] = [];
  const hosts: PluginHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-migrating-'));
    dirs.push(dir);
    return dir;
  };

  /** A plugin folder: plugin.json, a main module re-exporting the fixture, the SQL files. */
  const writePlugin = async (files: Record<string, string>): Promise<string> => {
    const dir = await tempDir();
    await mkdir(join(dir, 'migrations'));
    for (const [name, sql] of Object.entries(files)) {
      await writeFile(join(dir, 'migrations', name), sql);
    }
    await writeFile(
      join(dir, 'index.js'),
      `export { default } from ${JSON.stringify(pathToFileURL(fixtureMain).href)};\n`,
    );
    const manifest = {
      name: 'migrating',
      version: '1.0.0',
      description: 'Test fixture: migrations on a SQLite file.',
      engines: { berth: '>=0.1.0' },
      main: 'index.js',
      services: [
        { name: 'plain', contract: 'plain@1', isolation: 'thread' },
        {
          name: 'store',
          contract: 'migrating@1',
          isolation: 'thread',
          defaultConfig: { table: 'items', seed: 7 },
        },
      ],
      serviceOrder: ['plain', 'store'],
      migrations: Object.keys(files).map((name) => `migrations/${name}`),
    };
    await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest));
    return dir;
  };

  /** Starts a host on the plugin; resolves with its store, or the plugin's start error. */
  const start = async (
    pluginDir: string,
    dataDir: string,
    config: Record<string, unknown> = {},
  ): Promise<MigratingStore> => {
    const host = createHost({
      plugins: [pluginDir],
      isolation: 'thread',
      dataDir,
      logger: pino({ level: 'silent' }),
      config: { migrating: { store: config } },
    });
    hosts.push(host);
    let failure: unknown;
    host.once('plugin:failed', (event: { error: unknown }) => {
      failure = event.error;
    });
    await host.start();
    if (failure !== undefined) throw failure;
    return host.service<MigratingStore>('store');
  };
  const closeHosts = async (): Promise<void> => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
  };
  const databaseOf = (dataDir: string): string =>
    join(dataDir, 'plugins', 'migrating', 'fixture.db');
  const inspect = <T>(dataDir: string, read: (db: Database.Database) => T): T => {
    const db = new Database(databaseOf(dataDir), { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };
  const recorded = (db: Database.Database): string[] =>
    db.prepare('SELECT name FROM berth_migrations ORDER BY name').pluck().all() as string[];

  it.each(['thread', 'inline', 'process'] as const)(
    'applies the migrations at start once, and uninstallPlugin (%s) takes them down',
    async (isolation) => {
      const pluginDir = await writePlugin({ '001_create.sql': CREATE, '002_seed.sql': SEED });
      const dataDir = await tempDir();
      const first = await start(pluginDir, dataDir);
      expect(await first.tables()).toEqual(['berth_migrations', 'items']);
      await closeHosts();
      // A second start applies nothing: the seed row is there once.
      const second = await start(pluginDir, dataDir);
      expect(await second.query('SELECT x FROM items')).toEqual([{ x: 7 }]);
      await closeHosts();

      await uninstallPlugin(await uninstallSpecFor(pluginDir, { dataDir, isolation }));
      inspect(dataDir, (db) => {
        expect(recorded(db)).toEqual([]);
        expect(
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
        ).toEqual(['berth_migrations']);
      });
      // Uninstalling again finds nothing to revert.
      await uninstallPlugin(await uninstallSpecFor(pluginDir, { dataDir, isolation }));
    },
  );

  it('refuses to start, and to uninstall, once an applied migration file changed', async () => {
    const pluginDir = await writePlugin({ '001_create.sql': CREATE });
    const dataDir = await tempDir();
    await start(pluginDir, dataDir);
    await closeHosts();
    await writeFile(join(pluginDir, 'migrations', '001_create.sql'), CREATE.replace('x', 'y'));

    const error = await start(pluginDir, dataDir).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: codes.START_FAILED,
      service: 'store',
      cause: { code: codes.MIGRATION_MISMATCH, data: { reason: 'changed' } },
    });
    const spec = await uninstallSpecFor(pluginDir, { dataDir });
    await expect(uninstallPlugin(spec)).rejects.toMatchObject({
      code: codes.MIGRATION_MISMATCH,
      plugin: 'migrating',
      data: { reason: 'changed', migration: '001_create.sql' },
    });
    inspect(dataDir, (db) => expect(recorded(db)).toEqual(['001_create.sql']));
  });

  it('refuses a missing @config key before applying anything', async () => {
    const pluginDir = await writePlugin({
      '001_create.sql': CREATE,
      '002_seed.sql': SEED.replace('@config.seed', '@config.start.value'),
    });
    const dataDir = await tempDir();
    const error = await start(pluginDir, dataDir).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: codes.START_FAILED,
      cause: {
        code: codes.MIGRATION_INVALID,
        service: 'store',
        data: { file: join(pluginDir, 'migrations', '002_seed.sql'), key: 'start' },
      },
    });
    // Nothing ran, not even the first file: every file is checked before any SQL.
    inspect(dataDir, (db) =>
      expect(db.prepare('SELECT count(*) FROM sqlite_master').pluck().get()).toBe(0),
    );
    // With the key in the service's config, the same files apply.
    const store = await start(pluginDir, dataDir, { start: { value: 3 } });
    expect(await store.query('SELECT x FROM items')).toEqual([{ x: 3 }]);
  });

  it('refuses to uninstall past a migration without a down section, reverting nothing', async () => {
    const oneWay = '-- berth:up\nCREATE TABLE audit (x INTEGER);\n';
    const pluginDir = await writePlugin({ '001_create.sql': CREATE, '002_audit.sql': oneWay });
    const dataDir = await tempDir();
    await start(pluginDir, dataDir);
    await closeHosts();
    await expect(
      uninstallPlugin(await uninstallSpecFor(pluginDir, { dataDir })),
    ).rejects.toMatchObject({
      code: codes.MIGRATION_IRREVERSIBLE,
      data: { migrations: ['002_audit.sql'] },
    });
    inspect(dataDir, (db) => expect(recorded(db)).toEqual(['001_create.sql', '002_audit.sql']));
  });

  it('refuses a plugin that lists migrations but returns no driver from any service', async () => {
    const pluginDir = await writePlugin({ '001_create.sql': CREATE });
    const dataDir = await tempDir();
    await expect(start(pluginDir, dataDir, { driver: false })).rejects.toMatchObject({
      code: codes.START_FAILED,
      cause: { code: codes.MIGRATION_INVALID },
    });
    const spec = await uninstallSpecFor(pluginDir, {
      dataDir,
      config: { store: { driver: false } },
    });
    await expect(uninstallPlugin(spec)).rejects.toMatchObject({ code: codes.MIGRATION_INVALID });
  });
});
