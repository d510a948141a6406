/**
 * The worker end of the data plane of thread isolation: drains the request ring, runs
 * each call (call-runner.ts), and sends back its result or its error on the result ring
 * (large results in the arena).
 *
 * After a batch the worker watches the request ring before it goes to sleep on the
 * doorbell, for as long as its spin policy says (spin-policy.ts; at most `spinUs`): a
 * caller that sends its next call within that window (the usual case for a busy caller
 * on an idle machine) is served without a wake-up, the largest cost of a round trip. The
 * window closes when watching stops paying or the thread loses its core while watching.
 */
import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { ArenaWriter } from '../transport/result-arena.js';
import { RingReader, RingWriter } from '../transport/record-ring.js';
import { FrameReceiver, FrameSender } from '../transport/shared-channel.js';
import type { SharedBuffers } from '../transport/shared-layout.js';
import { PREEMPTED_MS, SpinPolicy } from '../transport/spin-policy.js';
import { Frame } from '../transport/wire.js';
import { CallRunner, type Dispatch } from './call-runner.js';

export type { Dispatch };

/** What the worker end is made from. */
export interface ServeOptions {
  buffers: SharedBuffers;
  port: MessagePort;
  /** How long to watch the ring after a batch before sleeping; 0 sleeps at once. */
  spinUs: number;
}

/** A serving loop; `close()` stops it (safe to call more than once). */
export interface CallServer {
  close(): void;
}

/** Serves calls with `dispatch` until closed. */
export function serveCalls(options: ServeOptions, dispatch: Dispatch): CallServer {
  return new ServingLoop(options, dispatch);
}

/** The worker end of one data plane: its running calls and its serving loop. */
class ServingLoop implements CallServer {
  readonly #runner: CallRunner;
  readonly #requests: RingReader;
  readonly #results: RingWriter;
  readonly #sender: FrameSender;
  readonly #receiver: FrameReceiver;
  #closed = false;
  readonly #policy: SpinPolicy;

  constructor(
    private readonly options: ServeOptions,
    dispatch: Dispatch,
  ) {
    const { buffers, port } = options;
    this.#requests = new RingReader(buffers.requests);
    this.#results = new RingWriter(buffers.results);
    const arena = new ArenaWriter(buffers.arena, buffers.results);
    this.#sender = new FrameSender(this.#results, port, arena);
    this.#runner = new CallRunner(this.#sender, dispatch);
    this.#policy = new SpinPolicy(options.spinUs);
    // The host is trusted: a violation from it is a bug on this side, and ends the worker.
    this.#receiver = new FrameReceiver({
      reader: this.#requests,
      port,
      accepts: [Frame.CALL, Frame.CANCEL],
      onFrame: (frame) => this.#runner.take(frame),
    });
    this.#sleep();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#runner.cancelAll();
    this.#sender.close();
    this.#requests.close();
    this.options.port.close();
  }

  // The serving loop, in callbacks (no promise per turn): sleep on the doorbell, drain,
  // let the batch's results go out (they publish from microtasks) and I/O run for one
  // turn of the event loop, then watch the ring for as long as the spin policy says
  // (at most `spinUs`) before sleeping again.
  readonly #serve = (): void => {
    if (this.#closed) return;
    if (this.#policy.asleep) this.#policy.woke(this.#requests.rangAt);
    // Busy while this batch runs: a host waiting for its results keeps looking for them.
    this.#results.busy = true;
    this.#receiver.drain();
    // The results of calls that answered at once go out before anything else: going to
    // sleep (below) takes microseconds the host would otherwise wait for them.
    this.#sender.flush();
    if (this.#policy.windowUs() <= 0) this.#sleep();
    else setImmediate(this.#spin);
  };

  readonly #spin = (): void => {
    this.#results.busy = false;
    const policy = this.#policy;
    const start = performance.now();
    const windowUs = policy.windowUs(start);
    // The host reads this flag: while the machine is busy it does not look for results.
    this.#results.contended = windowUs <= 0;
    const until = start + windowUs / 1000;
    let last = start;
    for (;;) {
      if (this.#requests.hasRecords) {
        policy.found((last - start) * 1000);
        break;
      }
      const now = performance.now();
      if (now - last > PREEMPTED_MS) {
        policy.preempted(now);
        this.#results.contended = true;
        break;
      }
      if (now >= until || this.#closed) {
        policy.missed(now);
        break;
      }
      last = now;
    }
    this.#sleep();
  };

  #sleep(): void {
    if (this.#closed) return;
    this.#results.busy = false;
    const ready = this.#receiver.whenReady();
    if (ready === undefined && this.#requests.hasRecords) {
      setImmediate(this.#serve);
      return;
    }
    this.#policy.sleeping();
    void (ready ?? this.#requests.whenRecords()).then(this.#serve);
  }
}
