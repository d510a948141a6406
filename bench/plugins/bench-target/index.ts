// The plugin the bench suite calls through Berth. It is built with the rest of bench/
// into dist/bench/plugins/ (its plugin.json is copied there), so it shares the payloads.
import { definePlugin, defineService } from 'berth/sdk';
import { binary, bodies, records, type BenchRecord, type Tiny } from '../../payloads.js';

/** What the bench calls: one method per payload. */
export interface BenchTarget {
  tiny(id: number): Promise<Tiny>;
  records(): Promise<readonly BenchRecord[]>;
  /** The records' JSON as bytes: a zero-copy call gets them as a view on the arena. */
  bodies(): Promise<Uint8Array>;
  binary(): Promise<Uint8Array>;
  /** Ends the worker: the recovery figure measures how soon the next call is answered. */
  crash(): Promise<void>;
}

export default definePlugin({
  services: {
    target: defineService<BenchTarget>(() => ({
      methods: {
        tiny: (_ctx, id) => ({ ok: true, id }),
        records: () => records,
        bodies: () => bodies,
        binary: () => binary,
        crash: () => {
          process.exit(1);
        },
      },
    })),
  },
});
