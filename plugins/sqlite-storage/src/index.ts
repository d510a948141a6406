/**
 * sqlite-storage: the storage@1 contract in an embedded SQLite database, Berth's default
 * durable storage. One database file per service instance (config `path`, relative to
 * the plugin's data directory), opened in `onStart` and closed in `onStop`. Requests are
 * checked with the SDK's shared validators first, so a malformed one fails with
 * `BERTH_ERR_INVALID_ARGUMENT` before any SQL runs.
 */
import assert from 'node:assert';
import {
  definePlugin,
  defineService,
  planList,
  validateDeleteRequest,
  validatePutRequest,
  validateResourceKey,
} from 'berth/sdk';
import type { StorageLayer } from 'berth/sdk';
import { databaseFile, parseConfig, refuseLiveChange } from './config.js';
import type { SqliteStorageConfig } from './config.js';
import { openDatabase } from './open-database.js';
import type { Connections } from './open-database.js';
import { SqliteStore } from './sqlite-store.js';

export default definePlugin({
  services: {
    storage: defineService<StorageLayer>((ctx) => {
      let config: SqliteStorageConfig = parseConfig(ctx.config);
      let connections: Connections | undefined;
      let store: SqliteStore | undefined;
      const open = (): SqliteStore => {
        assert(store !== undefined, 'the host calls methods only between onStart and onStop');
        return store;
      };
      return {
        methods: {
          async put(_call, request) {
            return open().put(validatePutRequest(request));
          },
          async get(_call, key) {
            return open().get(validateResourceKey(key));
          },
          async delete(_call, request) {
            return open().delete(validateDeleteRequest(request));
          },
          async list(_call, query) {
            return open().list(planList(query));
          },
        },
        async onStart() {
          const file = databaseFile(config, ctx.dataDir);
          connections = await openDatabase(file, config);
          store = new SqliteStore(connections, () => config);
          ctx.log.info(
            { file, schemaVersion: connections.schemaVersion, synchronous: config.synchronous },
            'sqlite storage opened',
          );
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
          store = undefined;
          // close() rolls back nothing committed: every write committed before it returned.
          connections?.reader.close();
          connections?.writer.close();
          connections = undefined;
        },
      };
    }),
  },
});
