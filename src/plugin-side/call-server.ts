/**
 * The worker end of the data plane: drains the request ring, runs each call, and sends
 * back its result or its error on the result ring (large results in the arena). A
 * result that cannot be encoded becomes a BERTH_ERR_UNENCODABLE failure for that call
 * alone; the worker keeps serving.
 *
 * After a batch the worker spins for up to `spinUs` microseconds watching the request
 * ring before it goes to sleep on the doorbell: a caller that sends its next call within
 * that window (the usual case for a busy caller) is served without a wake-up, which is
 * the largest cost of a round trip. The spin holds this worker's thread, never the host's.
 */
import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { BerthError, callAbortedError, codes, isBerthError } from '../errors.js';
import { toWireError } from '../wire-error.js';
import { ArenaWriter } from '../transport/result-arena.js';
import { RingReader, RingWriter } from '../transport/record-ring.js';
import { FrameReceiver, FrameSender } from '../transport/shared-channel.js';
import { INLINE_MAX_BYTES, type SharedBuffers } from '../transport/shared-layout.js';
import { Frame, type AnyFrame } from '../transport/wire.js';

/**
 * Runs one call, returning its value or a promise of it (or throwing). `signal.signal`
 * aborts when the host cancels the call; it is made on first use.
 */
export type Dispatch = (
  service: string,
  method: string,
  args: unknown[],
  signal: { readonly signal: AbortSignal },
) => unknown;

/** One call being served: its signal, made only if the plugin asks for it. */
class RunningCall {
  #controller: AbortController | undefined;
  #reason: unknown = undefined;
  #cancelled = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#cancelled) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  cancel(reason: unknown): void {
    this.#cancelled = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

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
  readonly #running = new Map<number, RunningCall>();
  readonly #requests: RingReader;
  readonly #results: RingWriter;
  readonly #sender: FrameSender;
  readonly #receiver: FrameReceiver;
  #closed = false;

  constructor(
    private readonly options: ServeOptions,
    private readonly dispatch: Dispatch,
  ) {
    const { buffers, port } = options;
    this.#requests = new RingReader(buffers.requests);
    this.#results = new RingWriter(buffers.results);
    const arena = new ArenaWriter(buffers.arena, buffers.results);
    this.#sender = new FrameSender(this.#results, port, arena);
    // The host is trusted: a violation from it is a bug on this side, and ends the worker.
    this.#receiver = new FrameReceiver({
      reader: this.#requests,
      port,
      accepts: [Frame.CALL, Frame.CANCEL],
      onFrame: (frame) => this.#onFrame(frame),
    });
    this.#sleep();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#running.values()) {
      call.cancel(new BerthError(codes.PLUGIN_NOT_RUNNING, 'the plugin is stopping'));
    }
    this.#running.clear();
    this.#sender.close();
    this.#requests.close();
    this.options.port.close();
  }

  #fail(id: number, error: unknown, service: string, method: string): void {
    try {
      this.#sender.send([Frame.FAILURE, id, toWireError(error)], id);
    } catch (encodeError) {
      // toWireError never throws and makes plain, bounded data, so the codec should take
      // it; should it not, report that, for this call alone, rather than let the worker die.
      const wire = toWireError(error);
      const failure = new BerthError(
        codes.UNENCODABLE,
        `the error thrown by ${service}.${method} cannot be encoded (${wire.name}: ${wire.message}): ${(encodeError as Error).message}`,
        { service, method },
      );
      this.#sender.send([Frame.FAILURE, id, toWireError(failure)], id);
    }
  }

  #succeed(id: number, value: unknown, service: string, method: string): void {
    if (value instanceof Uint8Array && value.byteLength > INLINE_MAX_BYTES) {
      // Large bytes go into the arena as they are, 8-byte aligned: encoding them would
      // copy them once more, misaligned behind msgpack's 5-byte header. They arrive as a
      // plain Uint8Array, a Buffer too, as encoded byte arrays do (value-model.ts).
      this.#sender.sendBytes(id, value);
      return;
    }
    try {
      this.#sender.send([Frame.RESULT, id, value], id);
    } catch (error) {
      const failure = isBerthError(error, codes.UNENCODABLE)
        ? new BerthError(
            codes.UNENCODABLE,
            `the result of ${service}.${method}: ${error.message}`,
            { cause: error.cause, service, method, data: error.data },
          )
        : error;
      this.#sender.send([Frame.FAILURE, id, toWireError(failure)], id);
    }
  }

  #onFrame(frame: AnyFrame): void {
    const running = this.#running;
    if (frame[0] === Frame.CANCEL) {
      running.get(frame[1])?.cancel(callAbortedError());
      running.delete(frame[1]);
      return;
    }
    if (frame[0] !== Frame.CALL) return;
    const [, id, service, method, args] = frame;
    const call = new RunningCall();
    running.set(id, call);
    let value: unknown;
    try {
      value = this.dispatch(service, method, args, call);
    } catch (error) {
      running.delete(id);
      this.#fail(id, error, service, method);
      return;
    }
    // A method that answers at once is answered at once: no promise per call.
    if (typeof (value as PromiseLike<unknown> | undefined)?.then !== 'function') {
      running.delete(id);
      this.#succeed(id, value, service, method);
      return;
    }
    Promise.resolve(value).then(
      (result) => {
        if (running.delete(id)) this.#succeed(id, result, service, method);
      },
      (error: unknown) => {
        if (running.delete(id)) this.#fail(id, error, service, method);
      },
    );
  }

  // The serving loop, in callbacks (no promise per turn): sleep on the doorbell, drain,
  // let the batch's results go out (they publish from microtasks) and I/O run for one
  // turn of the event loop, then watch the ring for up to `spinUs` before sleeping again.
  readonly #serve = (): void => {
    if (this.#closed) return;
    // Busy while this batch runs: a host waiting for its results keeps looking for them.
    this.#results.busy = true;
    this.#receiver.drain();
    if (this.options.spinUs <= 0) this.#sleep();
    else setImmediate(this.#spin);
  };

  readonly #spin = (): void => {
    this.#results.busy = false;
    const until = performance.now() + this.options.spinUs / 1000;
    while (!this.#requests.hasRecords && performance.now() < until && !this.#closed);
    this.#sleep();
  };

  #sleep(): void {
    if (this.#closed) return;
    this.#results.busy = false;
    const ready = this.#receiver.whenReady();
    if (ready === undefined && this.#requests.hasRecords) setImmediate(this.#serve);
    else void (ready ?? this.#requests.whenRecords()).then(this.#serve);
  }
}
