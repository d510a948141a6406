/**
 * memory-storage: the storage@1 contract kept in memory. Each service instance has its
 * own store, created by the factory and dropped when the service stops; nothing is
 * written to disk. Requests are checked with the SDK's shared validators before they
 * reach the store, so a malformed one fails with `BERTH_ERR_INVALID_ARGUMENT`.
 *
 * The store lives in the plugin's worker, so it lasts only as long as that worker: a
 * crash, a hang, an operator restart or a stop loses everything it acknowledged. Keeping
 * it in the host instead would take the isolation away, so the plugin says so at every
 * start instead: a warning with `volatile: true`.
 */
import { definePlugin, defineService, storageMethods } from 'berth/sdk';
import type { StorageLayer } from 'berth/sdk';
import { MemoryStore } from './memory-store.js';

export default definePlugin({
  services: {
    storage: defineService<StorageLayer>(() => {
      const store = new MemoryStore();
      return {
        methods: storageMethods(() => store),
        onStart(ctx) {
          ctx.log.warn(
            { volatile: true },
            'memory-storage keeps resources only as long as its worker: a crash, a restart ' +
              'or a stop loses all of them; use sqlite-storage or postgres-storage to keep data',
          );
        },
        onHealthCheck() {
          return { ok: true, detail: `${store.size} resources, revision ${store.revision}` };
        },
        onStop() {
          store.clear();
        },
      };
    }),
  },
});
