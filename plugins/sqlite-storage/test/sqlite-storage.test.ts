/**
 * sqlite-storage in this process: the storage@1 conformance suite (each suite on a fresh
 * database file, emptied before every test), then what is particular to SQLite:
 * persistence, the schema, the config, and the SQL the lists run.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { codes, isPluginDefinition, loadMigrations, planList } from 'berth/sdk';
import { describeStorageConformance } from '../../../test/conformance/storage-conformance.js';
import { buildChunkQuery } from '../src/list-sql.js';
import plugin from '../src/index.js';
import { migrationFiles, startInProcess } from './in-process.js';
import type { InProcessStorage } from './in-process.js';

describeStorageConformance('sqlite-storage, in process', async () => {
  const started = await startInProcess();
  return { storage: started.storage, close: () => started.stop() };
});

// A small chunk makes every list of the suite span several chunk statements and resumes.
describeStorageConformance('sqlite-storage, in process, 2-row list chunks', async () => {
  const started = await startInProcess({ listChunkRows: 2, synchronous: 'normal' });
  return { storage: started.storage, close: () => started.stop() };
});

const key = { cluster: 'c', type: 't', namespace: '', name: 'n' };
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('sqlite-storage', () => {
  const started: InProcessStorage[] = [];
  const start = async (...args: Parameters<typeof startInProcess>): Promise<InProcessStorage> => {
    const storage = await startInProcess(...args);
    started.push(storage);
    return storage;
  };
  afterEach(async () => {
    const dirs = started.map((s) => s.dataDir);
    await Promise.all(started.splice(0).map((s) => s.stop()));
    // Tests that stop with keepData reopen the same directory; it goes here.
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('declares one storage@1 service in its manifest, matching its module', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../plugin.json', import.meta.url), 'utf8'),
    ) as { name: string; services: { name: string; contract: string }[] };
    expect(manifest.name).toBe('sqlite-storage');
    expect(manifest.services.map((s) => [s.name, s.contract])).toEqual([['storage', 'storage@1']]);
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(Object.keys(plugin.services)).toEqual(['storage']);
  });

  it('keeps resources and the revision counter across a stop and a start on the same file', async () => {
    const first = await start();
    await first.storage.put({ ...key, labels: { app: 'web' }, body: bytes(1, 2, 3) });
    await first.storage.delete(key);
    await first.storage.put({ ...key, labels: { app: 'api' }, body: bytes(4) });
    await first.stop({ keepData: true });
    const second = await start({}, first.dataDir);
    const got = await second.storage.get(key);
    expect(got).toMatchObject({ ...key, revision: 2, labels: { app: 'api' } });
    expect([...(got?.body ?? [])]).toEqual([4]);
    // Revisions continue from the stored counter, never reusing a number.
    expect(await second.storage.put({ ...key, body: bytes() })).toEqual({
      revision: 3,
      created: false,
    });
  });

  it('applies its migration files to a new file, once', async () => {
    const first = await start({ path: 'nested/dir/store.db' });
    expect(first.applied).toEqual(['001_init.sql']);
    await first.stop({ keepData: true });
    const file = join(first.dataDir, 'nested/dir/store.db');
    const reopened = await start({ path: file, allowOutsideDataDir: true }, first.dataDir);
    expect(reopened.applied).toEqual([]);
    await reopened.stop({ keepData: true });
    const db = new Database(file, { readonly: true });
    try {
      const recorded = db.prepare('SELECT name FROM berth_migrations').pluck().all();
      expect(recorded).toEqual(['001_init.sql']);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses to open a database migrated by a newer version of the plugin', async () => {
    const first = await start();
    await first.stop({ keepData: true });
    const db = new Database(join(first.dataDir, 'berth.db'));
    db.prepare(
      "INSERT INTO berth_migrations (name, checksum, applied_at) VALUES ('002_next.sql', 'x', 'now')",
    ).run();
    db.close();
    await expect(start({}, first.dataDir)).rejects.toMatchObject({
      code: codes.MIGRATION_MISMATCH,
      data: { reason: 'unknown', migration: '002_next.sql' },
    });
  });

  it('refuses a file from the development versions that kept their schema in user_version', async () => {
    const first = await start();
    await first.stop({ keepData: true });
    const db = new Database(join(first.dataDir, 'berth.db'));
    db.pragma('user_version = 1');
    db.close();
    await expect(start({}, first.dataDir)).rejects.toMatchObject({
      code: codes.MIGRATION_MISMATCH,
      data: { reason: 'legacy' },
    });
  });

  it('refuses a bad config value, naming the key', async () => {
    for (const [bad, key] of [
      [{ path: ':memory:' }, 'path'],
      [{ path: '../../../../tmp/x.db' }, 'path'],
      [{ path: 'a/../../x.db' }, 'path'],
      [{ path: '/tmp/x.db' }, 'path'],
      [{ path: 'x.db', allowOutsideDataDir: 'yes' }, 'allowOutsideDataDir'],
      [{ synchronous: 'off' }, 'synchronous'],
      [{ busyTimeoutMs: -1 }, 'busyTimeoutMs'],
      [{ listChunkRows: 0 }, 'listChunkRows'],
    ] as const) {
      await expect(startInProcess(bad)).rejects.toMatchObject({
        code: codes.CONFIG_INVALID,
        data: { key },
      });
    }
  });

  it('applies waits and chunk size live but refuses a live change of file or durability', async () => {
    const { service, context } = await start();
    const defaults = { path: 'berth.db', busyTimeoutMs: 5000, synchronous: 'full' };
    expect(await service.onConfigValidate?.(context, { ...defaults, listChunkRows: 8 })).toBe(
      undefined,
    );
    expect(await service.onConfigValidate?.(context, { ...defaults, path: 'other.db' })).toBeTypeOf(
      'string',
    );
    expect(
      await service.onConfigValidate?.(context, { ...defaults, synchronous: 'normal' }),
    ).toBeTypeOf('string');
  });

  it('reports healthy with the current revision', async () => {
    const { storage, service, context } = await start();
    await storage.put({ ...key, body: bytes() });
    expect(await service.onHealthCheck?.(context)).toEqual({ ok: true, detail: 'revision 1' });
  });

  it('stores bodies as given: bytes that are not UTF-8, and an empty body', async () => {
    const { storage } = await start();
    await storage.put({ ...key, body: bytes(0xff, 0x00, 0xfe) });
    expect([...((await storage.get(key))?.body ?? [])]).toEqual([0xff, 0x00, 0xfe]);
    await storage.put({ ...key, name: 'empty', body: bytes() });
    expect((await storage.get({ ...key, name: 'empty' }))?.body.byteLength).toBe(0);
  });
});

describe('sqlite-storage list SQL', () => {
  it('reads every order from its index without sorting the store', async () => {
    const db = new Database(':memory:');
    try {
      for (const migration of await loadMigrations(await migrationFiles(), {})) {
        db.exec(migration.up);
      }
      const queries = [
        { orderBy: 'key', cluster: 'east', labelSelector: 'app=web,!legacy' },
        { orderBy: 'name', namePrefix: 'we', descending: true },
        { orderBy: 'revision', namespace: 'shop' },
      ];
      for (const query of queries) {
        for (const resuming of [false, true]) {
          const plan = planList(query);
          const chunk = buildChunkQuery(plan, resuming);
          const after = resuming ? [1, 'a', 'b', 'c', 'd'] : undefined;
          const steps = db
            .prepare(`EXPLAIN QUERY PLAN ${chunk.sql}`)
            .all(chunk.params(after, 10)) as { detail: string }[];
          const details = steps.map((step) => step.detail).join('\n');
          // The only sort allowed is the outer one over at most one chunk of rows.
          expect(details.match(/TEMP B-TREE/g)?.length ?? 0, details).toBeLessThanOrEqual(1);
          expect(details, details).toMatch(/USING (COVERING )?INDEX resources_by_/);
        }
      }
    } finally {
      db.close();
    }
  });
});
