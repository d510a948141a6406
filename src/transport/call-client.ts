/**
 * The host end of the data plane: numbers calls, sends them as frames on the request
 * ring, and settles each call's promise when its result comes back on the result ring.
 *
 * Guarantee: every call settles. A result, a failure, the caller's abort, the deadline,
 * or `rejectAll` (the worker died) each settle it exactly once; late frames for a
 * settled call are dropped, and the arena slot they came in is freed.
 */
import { performance } from 'node:perf_hooks';
import type { BerthError } from '../errors.js';
import type { WireError } from '../wire-error.js';
import { BookedClient, closedError } from './call-book.js';
import { Lease } from './lease.js';
import { SpinPolicy } from './spin-policy.js';
import { ArenaReader, type ArenaSlot } from './result-arena.js';
import { RingReader, RingWriter } from './record-ring.js';
import { FrameReceiver, FrameSender } from './shared-channel.js';
import type {
  CallClient,
  CallClientOptions,
  CallOptions,
  DataPlaneStats,
} from './call-client-types.js';
import { Frame, type AnyFrame, type CallFrame } from './wire.js';

/** How long the host keeps looking for results while the worker says it is busy (ms). */
const BUSY_POLL_MS = 1;

export type { CallClient, CallClientOptions, CallOptions, DataPlaneStats };

/** Makes the host end of the data plane; it starts listening for results at once. */
export function createCallClient(options: CallClientOptions): CallClient {
  return new DataPlaneClient(options);
}

/**
 * The client's state: `open`; `broken` while it settles what is in flight after the
 * worker broke the protocol; `closed` once it has let go of the port, the rings and the
 * timer (final). Only `open` takes results and calls.
 */
type ClientState = 'open' | 'broken' | 'closed';

/** The host end of one worker's data plane. */
class DataPlaneClient extends BookedClient implements CallClient {
  #state: ClientState = 'open';
  readonly #arena: ArenaReader;
  readonly #results: RingReader;
  readonly #sender: FrameSender;
  readonly #receiver: FrameReceiver;
  readonly #policy: SpinPolicy;
  #pollStart = 0;
  #pollUntil = 0;
  #busyUntil = 0;

  constructor(private readonly options: CallClientOptions) {
    super(options.present, (id) => {
      try {
        this.#sender.send([Frame.CANCEL, id], id);
      } catch {
        // A cancel frame always encodes; nothing to do if the channel is closed.
      }
    });
    const { buffers, port } = options;
    this.#policy = new SpinPolicy(options.pollUs ?? 0);
    this.#arena = new ArenaReader(buffers.arena, buffers.results);
    this.#results = new RingReader(buffers.results);
    this.#sender = new FrameSender(new RingWriter(buffers.requests), port, undefined, (error) =>
      this.#violated(error),
    );
    this.#receiver = new FrameReceiver({
      reader: this.#results,
      port,
      arena: this.#arena,
      keepsViews: (id) => this.book.wantsLease(id),
      accepts: [Frame.RESULT, Frame.FAILURE],
      onFrame: (frame, slot) => this.#onFrame(frame, slot),
      onViolation: (error) => this.#violated(error),
    });
    this.#sleep();
  }

  protected refusal(): (() => BerthError) | undefined {
    return this.#state === 'open' ? undefined : () => closedError(this.options.plugin);
  }

  protected sendCall(frame: CallFrame): void {
    this.#sender.send(frame, frame[1]);
  }

  get stats(): DataPlaneStats {
    return { arenaBytesInUse: this.#arena.bytesInUse, arenaCapacity: this.#arena.capacity };
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#sender.close();
    this.book.close();
    this.options.port.close();
    this.#results.close(); // so the receive loop ends and lets go of the buffers
  }

  /** The worker broke the protocol: stop, let the runtime end it, settle what is left. */
  #violated(error: BerthError): void {
    if (this.#state !== 'open') return;
    this.#state = 'broken';
    this.options.onViolation?.(error);
    this.rejectAll(() => error);
    this.close();
  }

  #onFrame(frame: AnyFrame, slot: ArenaSlot | undefined): void {
    const call = this.book.settle(frame[1]);
    if (call === undefined || frame[0] !== Frame.RESULT) {
      if (slot !== undefined) this.#arena.free(slot);
      if (call !== undefined && frame[0] === Frame.FAILURE)
        this.book.fail(call, frame[2] as WireError);
      return;
    }
    if (!call.zeroCopy) {
      call.resolve(frame[2]);
      return;
    }
    const { plugin, logger } = this.options;
    const held = slot === undefined ? undefined : { arena: this.#arena, slot, plugin, logger };
    call.resolve(new Lease(frame[2], held));
  }

  // The receive loop, in callbacks rather than an async function: it runs between every
  // call's result and the next, and a promise per turn was most of what it allocated.
  // Asleep, it waits for the doorbell; after a drain it looks for more results between
  // turns of the event loop (other I/O keeps flowing) for as long as its spin policy
  // says (spin-policy.ts; at most `pollUs`). The first turn lets the callers just
  // answered send their next calls; a result that comes within the window costs the
  // worker no notify and this thread no wake-up. While the worker says it is running
  // calls (a result being copied into the arena, say), the window stretches, up to
  // BUSY_POLL_MS: the result is on its way. While the worker says its own watch found
  // the machine busy (its core taken), the host does not look at all: the turns would
  // take the core the worker needs. (A turn of this loop is no measure of the machine:
  // a scavenge or the application's own work makes one long.)
  readonly #receive = (): void => {
    if (this.#state !== 'open') return;
    if (this.#policy.asleep) this.#policy.woke(this.#results.rangAt);
    this.#receiver.drain();
    const now = performance.now();
    const windowUs = this.#policy.windowUs(now);
    if (windowUs <= 0 || this.#results.writerContended) {
      // After this turn: the callers just answered send their next calls first, and
      // going to sleep takes microseconds they would otherwise wait for.
      setImmediate(this.#sleep);
      return;
    }
    this.#pollStart = now;
    this.#pollUntil = now + windowUs / 1000;
    this.#busyUntil = now + BUSY_POLL_MS;
    setImmediate(this.#poll);
  };

  readonly #poll = (): void => {
    if (this.#state !== 'open') return;
    const now = performance.now();
    const policy = this.#policy;
    if (this.#results.hasRecords && this.#receiver.whenReady() === undefined) {
      policy.found((now - this.#pollStart) * 1000);
      this.#receive();
      return;
    }
    const results = this.#results;
    if (results.writerContended) {
      this.#sleep();
      return;
    }
    const busy = now < this.#busyUntil && results.writerBusy;
    if (now < this.#pollUntil || busy) {
      setImmediate(this.#poll);
      return;
    }
    policy.missed(now);
    this.#sleep();
  };

  readonly #sleep = (): void => {
    if (this.#state !== 'open') return;
    this.#policy.sleeping();
    void (this.#receiver.whenReady() ?? this.#results.whenRecords()).then(this.#receive);
  };
}
