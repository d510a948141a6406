/**
 * postgres-storage: the storage@1 contract in a PostgreSQL database that several Berth
 * hosts may share. Each service instance opens its own connection pool in `onStart`,
 * migrates the schema it is configured with, and ends the pool in `onStop`. Requests are
 * checked with the SDK's shared validators before any SQL runs, so a malformed one fails
 * with `BERTH_ERR_INVALID_ARGUMENT` without a round trip.
 */
import assert from 'node:assert';
import {
  definePlugin,
  defineService,
  isBerthError,
  planList,
  validateDeleteRequest,
  validatePutRequest,
  validateResourceKey,
} from 'berth/sdk';
import type { StorageLayer } from 'berth/sdk';
import { openStore } from './open-store.js';
import type { OpenStore } from './open-store.js';
import { parsePostgresConfig } from './postgres-config.js';
import type { PostgresConfig } from './postgres-config.js';
import type { PostgresStore } from './postgres-store.js';

export default definePlugin({
  services: {
    storage: defineService<StorageLayer>(() => {
      let open: OpenStore | undefined;
      const started = (): OpenStore => {
        // The host calls onStart before it routes any call, and none after onStop.
        assert(open !== undefined, 'postgres-storage is called while not started');
        return open;
      };
      const store = (): PostgresStore => started().store;
      return {
        methods: {
          async put(_call, request) {
            return store().put(validatePutRequest(request));
          },
          async get(_call, key) {
            return store().get(validateResourceKey(key));
          },
          async delete(_call, request) {
            return store().delete(validateDeleteRequest(request));
          },
          async list(_call, query) {
            return store().list(planList(query));
          },
        },
        async onStart(ctx) {
          open = await openStore(parsePostgresConfig(ctx.config), ctx.log);
        },
        async onStop() {
          const closing = open;
          open = undefined;
          await closing?.close();
        },
        async onHealthCheck() {
          const { store: current, pool, config } = started();
          await current.ping();
          const connections = `${pool.totalCount} connections (${pool.idleCount} idle)`;
          return { ok: true, detail: `schema ${config.schema}, ${connections}` };
        },
        onConfigValidate(_ctx, next) {
          try {
            parsePostgresConfig(next);
            return undefined;
          } catch (error) {
            if (isBerthError(error)) return error.message;
            throw error;
          }
        },
        async onConfigChange(ctx, next) {
          const config = parsePostgresConfig(next);
          if (open !== undefined && sameConnection(open.config, config)) return;
          // Open the new store before retiring the old one: calls keep being served, and
          // a new URL that fails leaves the old store in place.
          const fresh = await openStore(config, ctx.log);
          const old = open;
          open = fresh;
          await old?.close();
        },
      };
    }),
  },
});

function sameConnection(a: PostgresConfig, b: PostgresConfig): boolean {
  return (
    a.connectionString === b.connectionString &&
    a.schema === b.schema &&
    a.poolSize === b.poolSize &&
    a.connectTimeoutMs === b.connectTimeoutMs
  );
}
