/**
 * The native-call hazard (DESIGN.md section 4): what happens when the supervisor
 * terminates a worker that is inside a long better-sqlite3 call, and how sqlite-storage
 * copes with what is left behind.
 *
 * Found by test (Node 20, better-sqlite3 12.11, Linux; README "Terminating a worker
 * inside SQLite"): the host survives, but `worker.terminate()` cannot interrupt native
 * code. The call runs to completion, committing its work, and only then does the worker
 * exit; until it does, it holds whatever SQLite locks it had. The tests below use the
 * `sqlite-native-call` fixture, which runs such a call on purpose.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, createHost } from '../../../src/index.js';
import type { PluginHost } from '../../../src/index.js';
import type { StorageLayer } from '../../../src/contracts/storage.js';
import type { NativeCall } from '../../../test/fixtures/plugins/sqlite-native-call/index.js';

const pluginDir = fileURLToPath(new URL('../', import.meta.url));
const fixtureDir = fileURLToPath(
  new URL('../../../test/fixtures/plugins/sqlite-native-call/', import.meta.url),
);
/** Rows the fixture inserts in one statement: about two seconds of native work here. */
const ROWS = 3_000_000;
/** Far below the statement's duration, so the supervisor ends the worker inside it. */
const HANG_TIMEOUT_MS = 300;

describe('terminating a worker inside a long better-sqlite3 call', () => {
  let dataDir = '';
  let host: PluginHost | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-sqlite-hazard-'));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const startHost = async (plugins: string[]): Promise<PluginHost> => {
    host = createHost({
      plugins,
      isolation: 'thread',
      dataDir,
      hangTimeoutMs: HANG_TIMEOUT_MS,
      restart: { initialDelayMs: 10, jitter: 0 },
      logger: pino({ level: 'silent' }),
    });
    await host.start();
    return host;
  };

  it('settles the call at the hang and restarts at once, while the statement completes natively', async () => {
    const started = await startHost([fixtureDir]);
    const crashed = new Promise((resolve) => started.once('plugin:crashed', resolve));
    const native = started.service<NativeCall>('native');
    const firstThread = await native.ping();
    const file = join(dataDir, 'scratch.db');

    await expect(native.insertRows(file, ROWS)).rejects.toMatchObject({
      code: codes.PLUGIN_HUNG,
    });
    expect(await crashed).toMatchObject({ plugin: 'sqlite-native-call', code: codes.PLUGIN_HUNG });
    // The call was settled at the hang, without waiting for the stuck worker, and a new
    // worker answers at once. terminate() does not cut the native statement short: the
    // old thread ends only once it has run and committed, and then every row is there.
    expect(await native.ping()).not.toBe(firstThread);
    await expect.poll(() => native.countRows(file), { timeout: 15_000, interval: 200 }).toBe(ROWS);
  });

  it('keeps sqlite-storage writing, without a hang, while a terminated worker holds the write lock', async () => {
    const started = await startHost([fixtureDir, pluginDir]);
    const crashes: unknown[] = [];
    started.on('plugin:crashed', (event: { plugin: string }) => crashes.push(event.plugin));
    const storage = started.service<StorageLayer>('storage');
    await storage.put({
      cluster: 'c',
      type: 't',
      namespace: '',
      name: 'before',
      body: new Uint8Array(),
    });
    const file = join(dataDir, 'plugins', 'sqlite-storage', 'berth.db');

    // The fixture's long insert into the storage's own file: it holds the write lock,
    // is terminated as hung, and keeps the lock until its statement is done.
    const lingering = started
      .service<NativeCall>('native')
      .insertRows(file, ROWS)
      .catch((error: unknown) => error);
    await waitUntilWriteLocked(file);

    // The put waits for the lock in slices, the worker's loop running between them, so
    // the supervisor never takes the storage for hung, however long the wait.
    const put = await storage.put({
      cluster: 'c',
      type: 't',
      namespace: '',
      name: 'during',
      body: new Uint8Array([1]),
    });
    expect(put.created).toBe(true);
    expect(await lingering).toMatchObject({ code: codes.PLUGIN_HUNG });
    // The single write lock makes the order certain: the put committed after the insert.
    expect(countRows(file)).toBe(ROWS);
    expect(crashes).toEqual(['sqlite-native-call']);
    expect(
      await storage.get({ cluster: 'c', type: 't', namespace: '', name: 'during' }),
    ).toMatchObject({ revision: put.revision });
  });
});

/** Polls until another connection holds the write lock of `file`. */
async function waitUntilWriteLocked(file: string): Promise<void> {
  const db = new Database(file, { timeout: 0 });
  try {
    for (let attempt = 0; attempt < 1_000; attempt += 1) {
      try {
        db.prepare('BEGIN IMMEDIATE').run();
        db.prepare('ROLLBACK').run();
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_BUSY') return;
        throw error;
      }
      await sleep(5);
    }
    throw new Error(`nobody took the write lock of ${file}`);
  } finally {
    db.close();
  }
}

function countRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM hazard_rows').pluck().get() as number;
  } finally {
    db.close();
  }
}
