/**
 * sqlite-storage: the storage@1 contract in an embedded SQLite database, Berth's default
 * durable storage. One database file per service instance (config `path`, relative to
 * the plugin's data directory): the factory opens its writer connection and hands it to
 * the host as the `migrations` driver, so the manifest's migrations/*.sql make the
 * schema before `onStart` opens the snapshot reader; `onStop` closes both. Requests are
 * checked with the SDK's shared validators first, so a malformed one fails with
 * `BERTH_ERR_INVALID_ARGUMENT` before any SQL runs.
 */
import assert from 'node:assert';
import {
  createSqliteMigrationDriver,
  definePlugin,
  defineService,
  storageMethods,
} from 'berth/sdk';
import type { StorageLayer } from 'berth/sdk';
import type Database from 'better-sqlite3';
import { databaseFile, parseConfig, refuseLiveChange } from './config.js';
import type { SqliteStorageConfig } from './config.js';
import { openReader, openWriter } from './open-database.js';
import { SqliteStore } from './sqlite-store.js';

export default definePlugin({
  services: {
    storage: defineService<StorageLayer>(async (ctx) => {
      let config: SqliteStorageConfig = parseConfig(ctx.config);
      const file = databaseFile(config, ctx.dataDir);
      let writer: Database.Database | undefined = await openWriter(file, config);
      let reader: Database.Database | undefined;
      let store: SqliteStore | undefined;
      const open = (): SqliteStore => {
        assert(store !== undefined, 'the host calls methods only between onStart and onStop');
        return store;
      };
      return {
        migrations: createSqliteMigrationDriver(writer, { busyTimeoutMs: config.busyTimeoutMs }),
        methods: storageMethods(open),
        async onStart() {
          assert(writer !== undefined, 'onStart runs once, before onStop');
          reader = await openReader(file, writer, config);
          store = new SqliteStore({ writer, reader }, () => config);
          ctx.log.info({ file, synchronous: config.synchronous }, 'sqlite storage opened');
        },
        onHealthCheck() {
          // A read through the writer connection: proves the file is open and readable.
          return { ok: true, detail: `revision ${open().revision}` };
        },
        onConfigValidate(_ctx, next) {
          return refuseLiveChange(config, next);
        },
        onConfigChange(_ctx, next) {
          config = parseConfig(next);
        },
        onStop() {
          // Also after a failed start or an uninstall, when only the writer was opened.
          store = undefined;
          // close() rolls back nothing committed: every write committed before it returned.
          reader?.close();
          writer?.close();
          reader = undefined;
          writer = undefined;
        },
      };
    }),
  },
});
