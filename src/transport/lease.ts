/**
 * Leases: what a zero-copy call returns. When the result is a byte array that came back
 * in the plugin's result arena, the value is a view on the arena, never copied, and its
 * slot is reused only after the lease is released, so the view never changes while the
 * lease is held. Any other result is decoded from one private copy (its byte arrays
 * are views on that copy) and its lease holds nothing.
 *
 *   using bytes = await blobs.read(key);   // Symbol.dispose releases at the block's end
 *   const again = await blobs.read(key); ... again.release();
 *
 * Views taken from the value (a `subarray`, say) do not hold the slot on their own:
 * keep the lease or the value while you use them. A lease that is dropped without
 * `release()` is reclaimed when its value is garbage-collected, with a warning naming
 * the plugin, since until then its slot (and every slot after it) holds arena space.
 */
import type { Logger } from 'pino';
import type { ArenaReader, ArenaSlot } from './result-arena.js';

interface Held {
  arena: ArenaReader;
  slot: ArenaSlot;
  plugin: string;
  logger: Logger | undefined;
}

const forgotten = new FinalizationRegistry<Held>(({ arena, slot, plugin, logger }) => {
  if (slot.freed) return;
  arena.free(slot);
  logger?.warn(
    { plugin, bytes: slot.end - slot.start },
    'a zero-copy result was garbage-collected without release(); its arena slot was reclaimed late. Release leases (or use `using`) when done',
  );
});

/** A value whose byte arrays may be views on shared memory, held until released. */
export class Lease<T> implements Disposable {
  /** The call's result. Its byte arrays stay valid until {@link release}. */
  readonly value: T;
  #held: Held | undefined;

  /** @internal Made by the call client. `slot` undefined means the value holds no arena memory. */
  constructor(value: T, held?: Held) {
    this.value = value;
    this.#held = held;
    if (held !== undefined) {
      // Registered on the value (the lease holds it), so either one alive keeps the slot.
      const target = typeof value === 'object' && value !== null ? value : this;
      forgotten.register(target, held, this);
    }
  }

  /** Hands the slot back; the value's byte arrays must not be read afterwards. Safe to call twice. */
  release(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    forgotten.unregister(this);
    held.arena.free(held.slot);
  }

  /** True once released (or when the value never held arena memory). */
  get released(): boolean {
    return this.#held === undefined;
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
