/**
 * The calls a plugin is running, whatever brought them (the rings of thread isolation,
 * the pipe of process isolation): each CALL frame runs through `dispatch`, its result or
 * its error goes back through the sender, and a CANCEL aborts its signal. A result that
 * cannot be encoded becomes a BERTH_ERR_UNENCODABLE failure for that call alone.
 */
import { BerthError, callAbortedError, codes, isBerthError } from '../errors.js';
import { toWireError } from '../wire-error.js';
import { INLINE_MAX_BYTES } from '../transport/shared-layout.js';
import { Frame, type AnyFrame } from '../transport/wire.js';

/** What a call's context draws on (plugin-instance.ts `MethodContext`). */
export interface CallSource {
  /** Aborts when the host cancels the call; made on first use. */
  readonly signal: AbortSignal;
  /** A byte array for the call's result, to be written in place (CallContext.resultBytes). */
  resultBytes(length: number): Uint8Array;
}

/** Runs one call, returning its value or a promise of it (or throwing). */
export type Dispatch = (
  service: string,
  method: string,
  args: unknown[],
  source: CallSource,
) => unknown;

/**
 * One call being served: its signal, made only if the plugin asks for it, and the arena
 * slot it was lent for its result, if it asked for one.
 */
class RunningCall implements CallSource {
  #controller: AbortController | undefined;
  #reason: unknown = undefined;
  #cancelled = false;
  #lent: Uint8Array | undefined;
  #ended = false;

  constructor(private readonly sender: AnswerSender) {}

  /**
   * A view on the result arena when the result is too large to travel in a ring record
   * and a slot is free (one call at a time holds one); else a plain byte array, which
   * goes as any other result does.
   */
  resultBytes(length: number): Uint8Array {
    // Once the method has ended (a branch still running after it answered, say), a lent
    // view would never be sent nor given back.
    if (!this.#ended && this.#lent === undefined && length > INLINE_MAX_BYTES) {
      const view = this.sender.reserveBytes?.(length);
      if (view !== undefined) {
        this.#lent = view;
        return view;
      }
    }
    return new Uint8Array(length);
  }

  /**
   * The plugin's method has ended: a slot it was lent and did not send is taken back.
   * Not before: a cancelled method may still be writing into it.
   */
  ended(): void {
    this.#ended = true;
    const lent = this.#lent;
    if (lent === undefined) return;
    this.#lent = undefined;
    this.sender.releaseBytes?.(lent);
  }

  /** The method has ended with a byte result: the view it was lent, now the sender's to send or give back. */
  takeLent(): Uint8Array | undefined {
    this.#ended = true;
    const lent = this.#lent;
    this.#lent = undefined;
    return lent;
  }

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

/** Where answers go: an encoded frame, or a large byte array as it is. */
export interface AnswerSender {
  /** Throws BERTH_ERR_UNENCODABLE, sending nothing, when the frame cannot be encoded. */
  send(frame: AnyFrame, id: number): void;
  /**
   * Sends `bytes` as they are. `lent` is the view reserveBytes lent the call, if any:
   * sent from where it was written when `bytes` is it (or its first bytes), else given back.
   */
  sendBytes(id: number, bytes: Uint8Array, lent?: Uint8Array): void;
  /** Lends a view on shared memory to write a result in place, when the carrier has one. */
  reserveBytes?(length: number): Uint8Array | undefined;
  /** Takes back a lent view that was not sent. */
  releaseBytes?(view: Uint8Array): void;
}

/** The running calls of one data plane. */
export class CallRunner {
  readonly #running = new Map<number, RunningCall>();

  constructor(
    private readonly sender: AnswerSender,
    private readonly dispatch: Dispatch,
  ) {}

  /** Cancels every running call (the plugin is stopping); their answers are not sent. */
  cancelAll(): void {
    for (const call of this.#running.values()) {
      call.cancel(new BerthError(codes.PLUGIN_NOT_RUNNING, 'the plugin is stopping'));
    }
    this.#running.clear();
  }

  fail(id: number, error: unknown, service: string, method: string): void {
    try {
      this.sender.send([Frame.FAILURE, id, toWireError(error)], id);
    } catch (encodeError) {
      // toWireError never throws and makes plain, bounded data, so the codec should take
      // it; should it not, report that, for this call alone, rather than let the worker die.
      const wire = toWireError(error);
      const failure = new BerthError(
        codes.UNENCODABLE,
        `the error thrown by ${service}.${method} cannot be encoded (${wire.name}: ${wire.message}): ${(encodeError as Error).message}`,
        { service, method },
      );
      this.sender.send([Frame.FAILURE, id, toWireError(failure)], id);
    }
  }

  /** Sends a method's value; the call has ended before anything is sent (RunningCall). */
  #succeed(id: number, value: unknown, service: string, method: string, call: RunningCall): void {
    if (value instanceof Uint8Array && value.byteLength > INLINE_MAX_BYTES) {
      // Large bytes go into the arena as they are, 8-byte aligned: encoding them would
      // copy them once more, misaligned behind msgpack's 5-byte header. They arrive as a
      // plain Uint8Array, a Buffer too, as encoded byte arrays do (value-model.ts).
      this.sender.sendBytes(id, value, call.takeLent());
      return;
    }
    // Any other answer: a lent view is not it (encoding copies one held inside it).
    call.ended();
    try {
      this.sender.send([Frame.RESULT, id, value], id);
    } catch (error) {
      const failure = isBerthError(error, codes.UNENCODABLE)
        ? new BerthError(
            codes.UNENCODABLE,
            `the result of ${service}.${method}: ${error.message}`,
            { cause: error.cause, service, method, data: error.data },
          )
        : error;
      this.sender.send([Frame.FAILURE, id, toWireError(failure)], id);
    }
  }

  /** Runs a CALL frame, or cancels the call a CANCEL frame names. */
  take(frame: AnyFrame): void {
    const running = this.#running;
    if (frame[0] === Frame.CANCEL) {
      running.get(frame[1])?.cancel(callAbortedError());
      running.delete(frame[1]);
      return;
    }
    if (frame[0] !== Frame.CALL) return;
    const [, id, service, method, args] = frame;
    const call = new RunningCall(this.sender);
    running.set(id, call);
    let value: unknown;
    try {
      value = this.dispatch(service, method, args, call);
    } catch (error) {
      running.delete(id);
      call.ended();
      this.fail(id, error, service, method);
      return;
    }
    // A method that answers at once is answered at once: no promise per call.
    if (typeof (value as PromiseLike<unknown> | undefined)?.then !== 'function') {
      running.delete(id);
      this.#succeed(id, value, service, method, call);
      return;
    }
    Promise.resolve(value).then(
      (result) => {
        if (running.delete(id)) this.#succeed(id, result, service, method, call);
        else call.ended();
      },
      (error: unknown) => {
        call.ended();
        if (running.delete(id)) this.fail(id, error, service, method);
      },
    );
  }
}
