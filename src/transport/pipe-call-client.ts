/**
 * The host end of process isolation's data plane: calls go out as DATA frames on the
 * plugin's pipe (pipe-channel.ts), many per write, and each settles when its RESULT,
 * FAILURE or BYTES frame comes back. The same guarantee as the rings' client: every call
 * settles exactly once; an answer for a call already settled is dropped.
 *
 * A zero-copy call gets a {@link Lease} that holds nothing: the bytes are the caller's
 * own copy, taken once from the pipe (nothing is shared with the plugin's process).
 */
import { isPlainObject } from '../plain-object.js';
import type { WireError } from '../wire-error.js';
import { CallBook, closedError } from './call-book.js';
import type { CallClient, CallOptions, DataPlaneStats } from './call-client-types.js';
import { Lease } from './lease.js';
import type { PipeChannel } from './pipe-channel.js';
import { Frame } from './wire.js';

/** What the pipe's client is made from. */
export interface PipeCallClientOptions {
  plugin: string;
  present?: ((error: unknown, service: string, method: string) => unknown) | undefined;
  /** Told once when the plugin sends a data frame the wire does not allow. */
  onViolation(detail: string): void;
}

const NO_ARENA: DataPlaneStats = { arenaBytesInUse: 0, arenaCapacity: 0 };

/** Sends calls to one plugin process. Give it the channel with {@link attach}. */
export class PipeCallClient implements CallClient {
  #channel: PipeChannel | undefined;
  #open = true;
  readonly #book: CallBook;

  constructor(private readonly options: PipeCallClientOptions) {
    this.#book = new CallBook({
      present: options.present ?? ((error: unknown) => error),
      cancel: (id) => this.#channel?.send([Frame.CANCEL, id]),
    });
  }

  /** The pipe calls go on. */
  attach(channel: PipeChannel): void {
    this.#channel = channel;
  }

  call(service: string, method: string, args: unknown[], callOptions: CallOptions = {}) {
    const book = this.#book;
    const channel = this.#channel;
    const closed =
      this.#open && channel !== undefined ? undefined : () => closedError(this.options.plugin);
    const refused = book.refuse(closed, service, method, callOptions.signal);
    if (refused !== undefined || channel === undefined) return refused as Promise<never>;
    const id = book.nextId();
    try {
      channel.send([Frame.CALL, id, service, method, args]);
    } catch (error) {
      return Promise.reject(this.options.present?.(error, service, method) ?? error);
    }
    return book.add(id, service, method, callOptions);
  }

  /** A DATA frame from the plugin: an answer, checked before it is believed. */
  takeFrame(frame: unknown): void {
    if (!this.#open) return;
    if (!Array.isArray(frame) || typeof frame[1] !== 'number') {
      this.options.onViolation('a data frame that is not [kind, id, …]');
      return;
    }
    const [kind, id, payload] = frame as [unknown, number, unknown];
    if (kind === Frame.RESULT) {
      this.#resolve(id, payload);
      return;
    }
    if (kind !== Frame.FAILURE || !isPlainObject(payload)) {
      this.options.onViolation(`a data frame of kind ${JSON.stringify(kind)} from the plugin`);
      return;
    }
    const call = this.#book.settle(id);
    if (call !== undefined) this.#book.fail(call, payload as unknown as WireError);
  }

  /** A byte-array result, as it came off the pipe. */
  takeBytes(id: number, bytes: Uint8Array): void {
    if (this.#open) this.#resolve(id, bytes);
  }

  rejectAll(makeError: () => Error): void {
    this.#book.rejectAll(makeError);
  }

  get inFlight(): number {
    return this.#book.inFlight;
  }

  whenIdle(): Promise<void> {
    return this.#book.whenIdle();
  }

  get stats(): DataPlaneStats {
    return NO_ARENA;
  }

  close(): void {
    this.#open = false;
    this.#book.close();
  }

  #resolve(id: number, value: unknown): void {
    const call = this.#book.settle(id);
    if (call === undefined) return;
    call.resolve(call.zeroCopy ? new Lease(value) : value);
  }
}
