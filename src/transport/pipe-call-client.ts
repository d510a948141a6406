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
import type { BerthError } from '../errors.js';
import { BookedClient, closedError } from './call-book.js';
import type { CallClient, DataPlaneStats } from './call-client-types.js';
import { Lease } from './lease.js';
import type { PipeChannel } from './pipe-channel.js';
import { Frame, type CallFrame } from './wire.js';

/** What the pipe's client is made from. */
export interface PipeCallClientOptions {
  plugin: string;
  present?: ((error: unknown, service: string, method: string) => unknown) | undefined;
  /** Told once when the plugin sends a data frame the wire does not allow. */
  onViolation(detail: string): void;
}

const NO_ARENA: DataPlaneStats = { arenaBytesInUse: 0, arenaCapacity: 0 };

/** Sends calls to one plugin process. Give it the channel with {@link attach}. */
export class PipeCallClient extends BookedClient implements CallClient {
  #channel: PipeChannel | undefined;
  #open = true;

  constructor(private readonly options: PipeCallClientOptions) {
    super(options.present, (id) => this.#channel?.send([Frame.CANCEL, id]));
  }

  /** The pipe calls go on. */
  attach(channel: PipeChannel): void {
    this.#channel = channel;
  }

  protected refusal(): (() => BerthError) | undefined {
    const open = this.#open && this.#channel !== undefined;
    return open ? undefined : () => closedError(this.options.plugin);
  }

  protected sendCall(frame: CallFrame): void {
    this.#channel?.send(frame);
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
    const call = this.book.settle(id);
    if (call !== undefined) this.book.fail(call, payload as unknown as WireError);
  }

  /** A byte-array result, as it came off the pipe. */
  takeBytes(id: number, bytes: Uint8Array): void {
    if (this.#open) this.#resolve(id, bytes);
  }

  get stats(): DataPlaneStats {
    return NO_ARENA;
  }

  close(): void {
    this.#open = false;
    this.book.close();
  }

  #resolve(id: number, value: unknown): void {
    const call = this.book.settle(id);
    if (call === undefined) return;
    call.resolve(call.zeroCopy ? new Lease(value) : value);
  }
}
