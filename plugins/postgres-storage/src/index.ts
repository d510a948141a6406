/**
 * postgres-storage: the storage@1 contract in a PostgreSQL database that several Berth
 * hosts may share. Each service instance makes its own connection pool in its factory
 * and hands it to the host as the `migrations` driver, so the manifest's
 * migrations/*.sql make the configured schema (under an advisory lock: hosts starting
 * together apply each migration once) before `onStart`; `onStop` ends the pool.
 * Requests are checked with the SDK's shared validators before any SQL runs, so a
 * malformed one fails with `BERTH_ERR_INVALID_ARGUMENT` without a round trip. While the
 * database cannot be reached, requests fail with `BERTH_ERR_BACKEND_UNAVAILABLE` and the
 * health check reports `ready: false` (backend-watch.ts).
 */
import assert from 'node:assert';
import {
  createPostgresMigrationDriver,
  definePlugin,
  defineService,
  storageMethods,
  isBerthError,
} from 'berth/sdk';
import type { StorageLayer } from 'berth/sdk';
import { createBackendWatch, isUnreachable } from './backend-watch.js';
import { checkSchema, openStore } from './open-store.js';
import type { OpenStore } from './open-store.js';
import { parsePostgresConfig } from './postgres-config.js';
import type { PostgresConfig } from './postgres-config.js';
import type { PostgresStore } from './postgres-store.js';

export default definePlugin({
  services: {
    storage: defineService<StorageLayer>((ctx) => {
      let open: OpenStore = openStore(parsePostgresConfig(ctx.config), ctx.log);
      let running = false;
      const started = (): OpenStore => {
        // The host calls onStart before it routes any call, and none after onStop.
        assert(running, 'postgres-storage is called while not started');
        return open;
      };
      const store = (): PostgresStore => started().store;
      const watch = createBackendWatch(ctx.log);
      const methods = storageMethods(store);
      return {
        migrations: createPostgresMigrationDriver({ pool: open.pool, schema: open.config.schema }),
        methods: {
          put: (call, request) => watch.run(() => methods.put(call, request)),
          get: (call, key) => watch.run(() => methods.get(call, key)),
          delete: (call, request) => watch.run(() => methods.delete(call, request)),
          list: (call, query) => watch.run(() => methods.list(call, query)),
        },
        async onStart() {
          await checkSchema(open);
          running = true;
        },
        async onStop() {
          // Also after a failed start or an uninstall, when onStart never ran.
          running = false;
          await open.close();
        },
        async onHealthCheck() {
          const { store: current, pool, config } = started();
          // Bounded below the host's health deadline: a database that drops packets
          // (instead of refusing) is reported away rather than failing the check, which
          // would restart a worker that is fine.
          let failure: unknown;
          const answered = await withTimeout(current.ping(), HEALTH_PING_MS).catch(
            (error: unknown) => {
              failure = error;
              return true;
            },
          );
          if (failure !== undefined && !isUnreachable(failure)) throw failure;
          if (failure !== undefined || !answered) {
            watch.saw(failure ?? new Error(`no answer to SELECT 1 in ${HEALTH_PING_MS} ms`));
            return { ok: true, ready: false, detail: 'the PostgreSQL database cannot be reached' };
          }
          watch.saw();
          const connections = `${pool.totalCount} connections (${pool.idleCount} idle)`;
          return { ok: true, detail: `schema ${config.schema}, ${connections}` };
        },
        onConfigValidate(_ctx, next) {
          let config: PostgresConfig;
          try {
            config = parsePostgresConfig(next);
          } catch (error) {
            if (isBerthError(error)) return error.message;
            throw error;
          }
          // The migrations run at start only, so a new schema waits for a restart.
          if (config.schema !== open.config.schema) {
            return '"schema" applies at start only: restart the plugin so its migrations run';
          }
          return undefined;
        },
        async onConfigChange(_ctx, next) {
          const config = parsePostgresConfig(next);
          if (sameConnection(open.config, config)) return;
          // Open the new store before retiring the old one: calls keep being served, and
          // a new URL that fails (or reaches a database not migrated) leaves the old one.
          const fresh = openStore(config, ctx.log);
          try {
            await checkSchema(fresh);
          } catch (error) {
            await fresh.close();
            throw error;
          }
          const old = open;
          open = fresh;
          await old.close();
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

/** How long a health check waits for the database's answer (the host waits 2 s by default). */
const HEALTH_PING_MS = 1_500;

/** Resolves true when `work` settles in time (rejecting as it does), false after `ms`. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
