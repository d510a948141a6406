/**
 * The runner and loader against a real better-sqlite3 database (in memory, or a file for
 * two connections), through the SDK's SQLite driver.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { loadMigrations } from '../../../src/migrations/load-migrations.js';
import type { Migration } from '../../../src/migrations/load-migrations.js';
import { runMigrations } from '../../../src/migrations/run-migrations.js';
import { createSqliteMigrationDriver } from '../../../src/migrations/sqlite-migration-driver.js';

const INIT = '-- berth:up\nCREATE TABLE a (x INTEGER);\n-- berth:down\nDROP TABLE a;\n';
const SECOND = '-- berth:up\nCREATE TABLE b (x INTEGER);\n-- berth:down\n-- nothing to undo\n';
const THIRD =
  '-- berth:up\nCREATE TABLE @config.table (x INTEGER);\n-- berth:down\nDROP TABLE @config.table;\n';

describe('runMigrations on SQLite', () => {
  let dir = '';
  const dbs: Database.Database[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-migrations-'));
  });
  afterEach(async () => {
    for (const db of dbs.splice(0)) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (file = ':memory:'): Database.Database => {
    // timeout 0: a lock wait must not sleep inside SQLite, it would block this thread.
    const db = new Database(file, { timeout: 0 });
    dbs.push(db);
    return db;
  };
  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const load = async (
    files: Record<string, string>,
    config: Record<string, unknown> = { table: 'c' },
  ): Promise<Migration[]> => {
    const paths = await Promise.all(Object.entries(files).map(([name, text]) => write(name, text)));
    return loadMigrations(paths, config, { plugin: 'p', service: 's' });
  };
  const tables = (db: Database.Database): string[] =>
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
  const recorded = (db: Database.Database): string[] =>
    db.prepare('SELECT name FROM berth_migrations ORDER BY name').pluck().all() as string[];

  it('applies pending migrations in order, each recorded once with its checksum', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const migrations = await load({ '001_a.sql': INIT, '002_b.sql': SECOND, '003_c.sql': THIRD });
    expect(await runMigrations(driver, migrations.slice(0, 1), 'up')).toEqual(['001_a.sql']);
    expect(await runMigrations(driver, migrations, 'up')).toEqual(['002_b.sql', '003_c.sql']);
    expect(await runMigrations(driver, migrations, 'up')).toEqual([]);
    expect(tables(db)).toEqual(['a', 'b', 'berth_migrations', 'c']);
    const rows = db.prepare('SELECT name, checksum, applied_at FROM berth_migrations').all();
    expect(rows).toEqual(
      migrations.map((m) => ({
        name: m.name,
        checksum: m.checksum,
        applied_at: expect.any(String),
      })),
    );
  });

  it('rolls back a failing migration alone and names it; the ones before it stay applied', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const broken = '-- berth:up\nCREATE TABLE b (x INTEGER);\nCREATE TABLE a (x INTEGER);\n';
    const migrations = await load({ '001_a.sql': INIT, '002_b.sql': broken });
    await expect(runMigrations(driver, migrations, 'up', { plugin: 'p' })).rejects.toMatchObject({
      code: codes.MIGRATION_FAILED,
      plugin: 'p',
      data: { migration: '002_b.sql', direction: 'up', file: join(dir, '002_b.sql') },
      cause: { code: 'SQLITE_ERROR' },
    });
    expect(tables(db)).toEqual(['a', 'berth_migrations']);
    expect(recorded(db)).toEqual(['001_a.sql']);
  });

  it('refuses an applied migration whose up section changed, in either direction', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    await runMigrations(driver, await load({ '001_a.sql': INIT }), 'up');
    const edited = await load({ '001_a.sql': INIT.replace('x INTEGER', 'x TEXT') });
    for (const direction of ['up', 'down'] as const) {
      await expect(runMigrations(driver, edited, direction)).rejects.toMatchObject({
        code: codes.MIGRATION_MISMATCH,
        data: { reason: 'changed', migration: '001_a.sql' },
      });
    }
    // A change to the config or to the blank lines around the SQL is no change.
    const reformatted = await load({ '001_a.sql': `\n\n${INIT}\n\n` }, { table: 'other' });
    expect(await runMigrations(driver, reformatted, 'up')).toEqual([]);
  });

  it('refuses a store that records a migration the plugin does not ship', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const both = await load({ '001_a.sql': INIT, '002_b.sql': SECOND });
    await runMigrations(driver, both, 'up');
    await expect(runMigrations(driver, both.slice(0, 1), 'up')).rejects.toMatchObject({
      code: codes.MIGRATION_MISMATCH,
      data: { reason: 'unknown', migration: '002_b.sql' },
    });
  });

  it('refuses a new migration listed before one already applied', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const all = await load({ '001_a.sql': INIT, '002_b.sql': SECOND, '003_c.sql': THIRD });
    const [first, second, third] = all as [Migration, Migration, Migration];
    await runMigrations(driver, [first, third], 'up');
    await expect(runMigrations(driver, [first, second, third], 'up')).rejects.toMatchObject({
      code: codes.MIGRATION_MISMATCH,
      data: { reason: 'order', migration: '002_b.sql' },
    });
    expect(recorded(db)).toEqual(['001_a.sql', '003_c.sql']);
  });

  it('migrates down in reverse order, deleting each record, and skips an empty down section', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const migrations = await load({ '001_a.sql': INIT, '002_b.sql': SECOND, '003_c.sql': THIRD });
    await runMigrations(driver, migrations, 'up');
    expect(await runMigrations(driver, migrations, 'down')).toEqual([
      '003_c.sql',
      '002_b.sql',
      '001_a.sql',
    ]);
    // 002's down section does nothing on purpose: its table stays.
    expect(tables(db)).toEqual(['b', 'berth_migrations']);
    expect(recorded(db)).toEqual([]);
    expect(await runMigrations(driver, migrations, 'down')).toEqual([]);
    expect(await runMigrations(driver, migrations.slice(0, 1), 'up')).toEqual(['001_a.sql']);
  });

  it('refuses to migrate down past a migration without a down section, reverting nothing', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const oneWay = '-- berth:up\nCREATE TABLE b (x INTEGER);\n';
    const migrations = await load({ '001_a.sql': INIT, '002_b.sql': oneWay, '003_c.sql': THIRD });
    await runMigrations(driver, migrations, 'up');
    await expect(runMigrations(driver, migrations, 'down')).rejects.toMatchObject({
      code: codes.MIGRATION_IRREVERSIBLE,
      data: { migrations: ['002_b.sql'] },
    });
    expect(recorded(db)).toEqual(['001_a.sql', '002_b.sql', '003_c.sql']);
    expect(tables(db)).toEqual(['a', 'b', 'berth_migrations', 'c']);
  });

  it('keeps the record of a migration whose down section fails', async () => {
    const db = open();
    const driver = createSqliteMigrationDriver(db);
    const badDown = '-- berth:up\nCREATE TABLE b (x INTEGER);\n-- berth:down\nDROP TABLE nope;\n';
    const migrations = await load({ '001_a.sql': INIT, '002_b.sql': badDown });
    await runMigrations(driver, migrations, 'up');
    await expect(runMigrations(driver, migrations, 'down')).rejects.toMatchObject({
      code: codes.MIGRATION_FAILED,
      data: { migration: '002_b.sql', direction: 'down' },
    });
    expect(recorded(db)).toEqual(['001_a.sql', '002_b.sql']);
  });

  it('applies each migration once when two connections migrate one file at once', async () => {
    const file = join(dir, 'shared.db');
    const migrations = await load({ '001_a.sql': INIT, '002_b.sql': SECOND, '003_c.sql': THIRD });
    const drivers = [open(file), open(file)].map((db) => createSqliteMigrationDriver(db));
    const applied = await Promise.all(drivers.map((d) => runMigrations(d, migrations, 'up')));
    expect(applied.flat().sort()).toEqual(['001_a.sql', '002_b.sql', '003_c.sql']);
    expect(recorded(open(file))).toEqual(['001_a.sql', '002_b.sql', '003_c.sql']);
  });
});

describe('loadMigrations', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-migrations-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names each migration by its file and substitutes config in both sections', async () => {
    const file = join(dir, '003_c.sql');
    await writeFile(file, THIRD);
    const [migration] = await loadMigrations([file], { table: 'tenant_items' });
    expect(migration).toMatchObject({
      name: '003_c.sql',
      file,
      up: 'CREATE TABLE tenant_items (x INTEGER);',
      down: 'DROP TABLE tenant_items;\n',
    });
    expect(migration?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a missing config key before anything runs, naming the file', async () => {
    const file = join(dir, '003_c.sql');
    await writeFile(file, THIRD);
    await expect(loadMigrations([file], {}, { service: 's' })).rejects.toMatchObject({
      code: codes.MIGRATION_INVALID,
      service: 's',
      data: { file, line: 2, key: 'table' },
    });
  });

  it('refuses two files with one name, and a file that cannot be read', async () => {
    await mkdir(join(dir, 'x'));
    await mkdir(join(dir, 'y'));
    const twins = [join(dir, 'x', '001.sql'), join(dir, 'y', '001.sql')];
    for (const twin of twins) await writeFile(twin, INIT);
    await expect(loadMigrations(twins, {})).rejects.toMatchObject({
      code: codes.MIGRATION_INVALID,
      data: { name: '001.sql' },
    });
    const missing = join(dir, 'missing.sql');
    await expect(loadMigrations([missing], {})).rejects.toMatchObject({
      code: codes.MIGRATION_INVALID,
      data: { file: missing },
    });
  });
});
