/**
 * The calls a client has in flight, whatever carries them (the rings of thread isolation,
 * the pipe of process isolation): their ids, their promises, the caller's abort, the
 * deadline, and waiting for none to be left. Each call settles exactly once; whatever
 * settles it second (a late answer, a late abort) finds nothing.
 */
import { BerthError, callAbortedError, codes } from '../errors.js';
import { fromWireError, type WireError } from '../wire-error.js';
import type { CallOptions } from './call-client-types.js';
import { createDeadlineTimer } from './deadlines.js';
import { Frame, type CallFrame } from './wire.js';

/** One call waiting for its answer. */
export interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  service: string;
  method: string;
  zeroCopy: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** When the call times out (ms since the epoch), or Infinity. */
  deadline: number;
  timeoutMs: number;
}

/** How a client's errors reach callers, and how it tells the plugin to stop a call. */
export interface CallBookOptions {
  present(error: unknown, service: string, method: string): unknown;
  /** The caller gave up on call `id` (abort, deadline): tell the worker. Never throws. */
  cancel(id: number): void;
}

/** The calls in flight of one client. */
export class CallBook {
  readonly #pending = new Map<number, PendingCall>();
  #idleWaiters: (() => void)[] = [];
  #nextId = 1;
  readonly #deadlines = createDeadlineTimer((now) => this.#expire(now));

  constructor(private readonly options: CallBookOptions) {}

  /**
   * A promise refused before anything is sent, when the call cannot go (`closed` names
   * the client's error) or its signal has already fired; undefined when it may go.
   */
  refuse(
    closed: (() => BerthError) | undefined,
    service: string,
    method: string,
    signal: AbortSignal | undefined,
  ): Promise<never> | undefined {
    const { present } = this.options;
    if (closed !== undefined) return Promise.reject(present(closed(), service, method));
    if (signal?.aborted) return Promise.reject(present(abortError(signal), service, method));
    return undefined;
  }

  /** The id the next call gets. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Waits for the answer to call `id`, sent already, within its signal and deadline. */
  add(id: number, service: string, method: string, callOptions: CallOptions): Promise<unknown> {
    const { signal, timeoutMs, zeroCopy = false } = callOptions;
    return new Promise<unknown>((resolve, reject) => {
      const call: PendingCall = {
        resolve,
        reject,
        service,
        method,
        zeroCopy,
        signal,
        onAbort: undefined,
        deadline: Infinity,
        timeoutMs: 0,
      };
      if (signal !== undefined) {
        call.onAbort = () => this.#giveUp(id, abortError(signal));
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      if (timeoutMs !== undefined) {
        call.deadline = Date.now() + timeoutMs;
        call.timeoutMs = timeoutMs;
        this.#deadlines.arm(call.deadline);
      }
      this.#pending.set(id, call);
    });
  }

  /** Whether call `id` wants its result as a lease. */
  wantsLease(id: number): boolean {
    return this.#pending.get(id)?.zeroCopy === true;
  }

  /** Takes call `id` out of the book, if it is still in it: its answer is the caller's to give. */
  settle(id: number): PendingCall | undefined {
    const call = this.#pending.get(id);
    if (call === undefined) return undefined;
    this.#pending.delete(id);
    if (this.#pending.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
    return call;
  }

  /** Rejects `call` (settled) with the plugin's error, rebuilt from the wire. */
  fail(call: PendingCall, error: WireError): void {
    call.reject(this.options.present(fromWireError(error), call.service, call.method));
  }

  /** Rejects every call in flight with the error `makeError` returns. */
  rejectAll(makeError: () => Error): void {
    for (const id of [...this.#pending.keys()]) {
      const call = this.settle(id);
      call?.reject(this.options.present(makeError(), call.service, call.method));
    }
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  whenIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops the deadline timer (the client is closing). */
  close(): void {
    this.#deadlines.clear();
  }

  #giveUp(id: number, error: BerthError): void {
    const call = this.settle(id);
    if (call === undefined) return;
    call.reject(this.options.present(error, call.service, call.method));
    this.options.cancel(id);
  }

  /** Times out every call past its deadline; returns the next deadline. */
  #expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.#pending) {
      if (call.deadline <= now) this.#giveUp(id, timeoutError(call.timeoutMs));
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }
}

/**
 * What every call client shares, whatever carries its frames: a call refused or sent and
 * booked, and the book's view of what is in flight. A client says how a CALL frame goes
 * out ({@link sendCall}) and whether it is closed.
 */
export abstract class BookedClient {
  protected readonly book: CallBook;
  readonly #present: (error: unknown, service: string, method: string) => unknown;

  constructor(
    present: ((error: unknown, service: string, method: string) => unknown) | undefined,
    cancel: (id: number) => void,
  ) {
    this.#present = present ?? ((error: unknown) => error);
    this.book = new CallBook({ present: this.#present, cancel });
  }

  /** Why a call cannot go now (the client's closed error), or undefined when it can. */
  protected abstract refusal(): (() => BerthError) | undefined;

  /** Sends a CALL frame; throws BERTH_ERR_UNENCODABLE, sending nothing, when it cannot be encoded. */
  protected abstract sendCall(frame: CallFrame): void;

  call(service: string, method: string, args: unknown[], options: CallOptions = {}) {
    const book = this.book;
    const refused = book.refuse(this.refusal(), service, method, options.signal);
    if (refused !== undefined) return refused;
    const id = book.nextId();
    try {
      this.sendCall([Frame.CALL, id, service, method, args]);
    } catch (error) {
      return Promise.reject(this.#present(error, service, method));
    }
    return book.add(id, service, method, options);
  }

  rejectAll(makeError: () => Error): void {
    this.book.rejectAll(makeError);
  }

  get inFlight(): number {
    return this.book.inFlight;
  }

  whenIdle(): Promise<void> {
    return this.book.whenIdle();
  }
}

/** BERTH_ERR_PLUGIN_NOT_RUNNING for a call on a client that is closed. */
export function closedError(plugin: string): BerthError {
  return new BerthError(
    codes.PLUGIN_NOT_RUNNING,
    `the data plane of plugin "${plugin}" is closed`,
    {
      plugin,
    },
  );
}

function timeoutError(timeoutMs: number): BerthError {
  return new BerthError(
    codes.CALL_TIMEOUT,
    `no answer within the call's deadline of ${timeoutMs} ms`,
    { data: { timeoutMs } },
  );
}

function abortError(signal: AbortSignal): BerthError {
  return callAbortedError(signal.reason);
}
