// The plugin the bench suite calls through Berth.
import { definePlugin, defineService } from 'berth/sdk';

/** What the bench calls. */
export interface BenchTarget {
  tiny(id: number): Promise<{ ok: boolean; id: number }>;
}

export default definePlugin({
  services: {
    target: defineService<BenchTarget>(() => ({
      methods: {
        tiny: (_ctx, id) => ({ ok: true, id }),
      },
    })),
  },
});
