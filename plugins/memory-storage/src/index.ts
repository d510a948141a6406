/**
 * memory-storage: the storage@1 contract kept in memory. Each service instance has its
 * own store, created by the factory and dropped when the service stops; nothing is
 * written to disk. Requests are checked with the SDK's shared validators before they
 * reach the store, so a malformed one fails with `BERTH_ERR_INVALID_ARGUMENT`.
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
          ctx.log.debug('memory storage started; its contents last until the service stops');
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
