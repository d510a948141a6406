/**
 * Runs the storage@1 conformance suite against postgres-storage in this process (one fresh
 * schema for the suite, emptied before every test), plus what is particular to
 * PostgreSQL: config checks, its migration files (up once, down, run by many hosts at
 * once), health, and data that outlives the service.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { codes, createPostgresMigrationDriver, isPluginDefinition, runMigrations } from 'berth/sdk';
import { describeStorageConformance } from '../../../test/conformance/storage-conformance.js';
import plugin from '../src/index.js';
import { parsePostgresConfig } from '../src/postgres-config.js';
import { databaseUrl, dropSchema, execute, uniqueSchema } from './test-database.js';
import { pluginMigrations, startService } from './start-service.js';
import type { StartedService } from './start-service.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const key = { cluster: 'east', type: 'apps/v1/deployments', namespace: 'shop', name: 'web' };

describe('postgres-storage against PostgreSQL', () => {
  describeStorageConformance('postgres-storage, in process', async () => {
    const schema = uniqueSchema();
    const started = await startService({ connectionString: databaseUrl, schema });
    return {
      storage: started.storage,
      close: async () => {
        await started.stop();
        await dropSchema(schema);
      },
    };
  });

  describe('postgres-storage', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A schema dropped after the test, and a service on it stopped before that. */
    const freshSchema = (): string => {
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      return schema;
    };
    const start = async (schema: string): Promise<StartedService> => {
      const started = await startService({ connectionString: databaseUrl, schema });
      cleanups.push(() => started.stop());
      return started;
    };

    it('reports healthy after a round trip to the database', async () => {
      const started = await start(freshSchema());
      const report = await started.service.onHealthCheck?.(started.context);
      expect(report).toMatchObject({ ok: true });
    });

    it('keeps resources and keeps counting revisions after a restart', async () => {
      const schema = freshSchema();
      const first = await start(schema);
      const { revision } = await first.storage.put({ ...key, labels: { a: '1' }, body: utf8('x') });
      await first.stop();
      const second = await start(schema);
      expect(await second.storage.get(key)).toMatchObject({ ...key, revision, labels: { a: '1' } });
      const next = await second.storage.put({ ...key, body: utf8('y') });
      expect(next.revision).toBeGreaterThan(revision);
    });

    it('applies each migration once when several hosts migrate one schema at once', async () => {
      const schema = freshSchema();
      const migrations = await pluginMigrations({ schema });
      const pools = Array.from({ length: 6 }, () => new pg.Pool({ connectionString: databaseUrl }));
      cleanups.push(async () => {
        await Promise.all(pools.map((pool) => pool.end()));
      });
      const drivers = pools.map((pool) => createPostgresMigrationDriver({ pool, schema }));
      const applied = await Promise.all(
        drivers.map((driver) => runMigrations(driver, migrations, 'up')),
      );
      expect(applied.flat()).toEqual(migrations.map((m) => m.name));
      const recorded = await execute(`SELECT name FROM "${schema}".berth_migrations`);
      expect(recorded.rows.map((row: { name: string }) => row.name)).toEqual(
        migrations.map((m) => m.name),
      );
      const [again] = drivers;
      if (again === undefined) throw new Error('no driver');
      expect(await runMigrations(again, migrations, 'up')).toEqual([]);
    });

    it('applies its migration files once, and takes them down again', async () => {
      const schema = freshSchema();
      const first = await start(schema);
      expect(first.applied).toEqual(['001_init.sql']);
      await first.storage.put({ ...key, body: utf8('x') });
      await first.stop();
      const second = await start(schema);
      expect(second.applied).toEqual([]);
      const driver = second.service.migrations;
      if (driver === undefined) throw new Error('postgres-storage returns no migration driver');
      const migrations = await pluginMigrations(second.context.config);
      expect(await runMigrations(driver, migrations, 'down')).toEqual(['001_init.sql']);
      await second.stop();
      const left = await execute(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      expect(left.rows).toEqual([{ table_name: 'berth_migrations' }]);
      expect((await execute(`SELECT * FROM "${schema}".berth_migrations`)).rowCount).toBe(0);
      const third = await start(schema);
      expect(third.applied).toEqual(['001_init.sql']);
      expect(await third.storage.get(key)).toBeNull();
    });

    it('refuses a schema made by the development versions of the plugin', async () => {
      const schema = freshSchema();
      await execute(`CREATE SCHEMA "${schema}"`);
      await execute(`CREATE TABLE "${schema}".schema_migrations (id INTEGER PRIMARY KEY)`);
      await expect(startService({ connectionString: databaseUrl, schema })).rejects.toMatchObject({
        code: codes.MIGRATION_FAILED,
        data: { migration: '001_init.sql', direction: 'up' },
      });
    });

    it('fails to start with the database error when the server refuses connections', async () => {
      const schema = freshSchema();
      const url = new URL(databaseUrl);
      url.port = '1';
      await expect(startService({ connectionString: url.href, schema })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
    });
  });
});

describe('postgres-storage config', () => {
  it('declares one storage@1 service in its manifest, matching its module', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../plugin.json', import.meta.url), 'utf8'),
    ) as { name: string; services: { name: string; contract: string }[] };
    expect(manifest.name).toBe('postgres-storage');
    expect(manifest.services.map((s) => [s.name, s.contract])).toEqual([['storage', 'storage@1']]);
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(Object.keys(plugin.services)).toEqual(['storage']);
  });

  it('takes the connection string from DATABASE_URL when the config has none', () => {
    const env = { DATABASE_URL: 'postgres://db/x' };
    expect(parsePostgresConfig({ connectionString: null }, env)).toEqual({
      connectionString: 'postgres://db/x',
      schema: 'berth',
      poolSize: 10,
      connectTimeoutMs: 10_000,
    });
    expect(parsePostgresConfig({ connectionString: 'postgres://a/b' }, env).connectionString).toBe(
      'postgres://a/b',
    );
  });

  it.each([
    ['no connection string and no DATABASE_URL', {}, 'connectionString'],
    ['a schema that is not a plain identifier', { schema: 'Bad"Name' }, 'schema'],
    ['a pool size of zero', { poolSize: 0 }, 'poolSize'],
  ])('refuses %s with CONFIG_INVALID naming the field', (_, config, field) => {
    const env = field === 'connectionString' ? {} : { DATABASE_URL: 'postgres://db/x' };
    expect(() => parsePostgresConfig(config, env)).toThrow(
      expect.objectContaining({ code: codes.CONFIG_INVALID, data: { field } }),
    );
  });
});
