/**
 * Opening the database file, in two steps around the migrations:
 *
 *   factory   openWriter: the writer connection (every write, `get`), WAL on; the host
 *             then runs the manifest migrations (migrations/*.sql) through it
 *   onStart   openReader: a read-only connection for `list` snapshots, once the
 *             schema exists, and a check that it does
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BerthError, codes } from 'berth/sdk';
import { NATIVE_BUSY_SLICE_MS, retryWhileBusy } from './busy-retry.js';
import type { SqliteStorageConfig } from './config.js';

/** The two connections of one started service instance. */
export interface Connections {
  readonly writer: Database.Database;
  readonly reader: Database.Database;
}

/**
 * Opens (creating when absent) the database at `file` for writing, in WAL mode. Waits
 * for locks as {@link retryWhileBusy} does. Refuses, with BERTH_ERR_MIGRATION_MISMATCH,
 * a file written by the development versions that numbered their schema in
 * `user_version` (never released; schema 1 of the migration files is their successor).
 * Nothing is left open when it throws.
 */
export async function openWriter(
  file: string,
  config: SqliteStorageConfig,
): Promise<Database.Database> {
  mkdirSync(dirname(file), { recursive: true });
  const writer = new Database(file);
  try {
    // Even these reads wait while another connection (another thread of a pool, another
    // process) holds the file's lock in rollback mode, as when it switches a new file to
    // WAL; some pragmas read the schema, so tune() waits too.
    const legacy = await retryWhileBusy('opening the database', config.busyTimeoutMs, () => {
      tune(writer, config);
      return Number(writer.pragma('user_version', { simple: true }));
    });
    if (legacy !== 0) {
      throw new BerthError(
        codes.MIGRATION_MISMATCH,
        `sqlite-storage: ${file} has user_version ${legacy}: it was written by a development ` +
          'version of sqlite-storage whose schema this one does not migrate; move the file ' +
          'away (or delete it) and start again',
        { data: { reason: 'legacy', file, userVersion: legacy } },
      );
    }
    // WAL: readers see a snapshot and never block the writer, and a commit appends to
    // the log instead of rewriting pages. The mode is stored in the file.
    await retryWhileBusy('switching to WAL', config.busyTimeoutMs, () =>
      writer.pragma('journal_mode = WAL'),
    );
    return writer;
  } catch (error) {
    writer.close();
    throw error;
  }
}

/**
 * Opens the read-only snapshot connection on `file`, after checking through `writer`
 * that the migrations have made the schema (BERTH_ERR_START_FAILED if not). Waits for
 * locks as {@link retryWhileBusy} does.
 */
export async function openReader(
  file: string,
  writer: Database.Database,
  config: SqliteStorageConfig,
): Promise<Database.Database> {
  const tables = await retryWhileBusy('reading the schema', config.busyTimeoutMs, () =>
    writer
      .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'resources'")
      .pluck()
      .get(),
  );
  if (tables !== 1) {
    throw new BerthError(
      codes.START_FAILED,
      `sqlite-storage: ${file} has no store tables: the plugin's migrations (plugin.json ` +
        '"migrations") did not run; start the plugin through a Berth host or berth/testing',
      { data: { file } },
    );
  }
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await retryWhileBusy('opening the snapshot reader', config.busyTimeoutMs, () =>
      tune(reader, config),
    );
    return reader;
  } catch (error) {
    reader.close();
    throw error;
  }
}

/** Per-connection settings: none of them is stored in the file. */
function tune(db: Database.Database, config: SqliteStorageConfig): void {
  db.pragma(`busy_timeout = ${Math.min(config.busyTimeoutMs, NATIVE_BUSY_SLICE_MS)}`);
  // In WAL mode, NORMAL syncs only at checkpoints: a commit survives the process dying
  // (it is in the OS's page cache) but the last ones may be lost if the machine loses
  // power. FULL also syncs the log at every commit, so an acknowledged write survives a
  // power loss, at the cost of one fsync per write. The service acknowledges writes to
  // HTTP clients as stored, so FULL is the default; NORMAL suits a cache that can be
  // re-synced from its source.
  db.pragma(`synchronous = ${config.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
}
