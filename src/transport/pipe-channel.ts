/**
 * One end of the pipe between the host and a plugin process: control messages, data
 * frames, raw byte results and heartbeats, framed (pipe-frames.ts) and encoded with the
 * value model's codec, each frame decodable on its own. Both ends use it; the host's
 * end treats everything it reads as hostile (a frame that does not decode is a
 * violation, told once, after which nothing more is read).
 */
import type { Duplex } from 'node:stream';
import { createStreamDecoder, createStreamEncoder, type StreamEncoder } from './codec.js';
import { frameWorthBundling } from './frame-sender.js';
import { PipeKind, PipeReader, PipeWriter } from './pipe-frames.js';
import type { AnyFrame } from './wire.js';

/** What one end hears. */
export interface PipeListeners {
  control(message: unknown): void;
  /** A data frame, decoded; its byte arrays are its own unless the frame was (`own`). */
  data(frame: unknown): void;
  /** A byte-array result as it came: a buffer of its own when it spanned chunks. */
  bytes(id: number, bytes: Uint8Array): void;
  beat(): void;
  /** The other end broke the framing or the encoding; nothing more is read. */
  violation(detail: string, cause?: unknown): void;
}

/** One end of a plugin pipe. */
export class PipeChannel {
  readonly #writer: PipeWriter;
  readonly #reader: PipeReader;
  readonly #encoder: StreamEncoder = createStreamEncoder(false);
  readonly #decoder = createStreamDecoder(false);
  #closed = false;

  constructor(
    private readonly socket: Duplex,
    maxFrameBytes: number,
    private readonly listeners: PipeListeners,
  ) {
    this.#writer = new PipeWriter(socket);
    this.#reader = new PipeReader(
      maxFrameBytes,
      (kind, body, own) => this.#onFrame(kind, body, own),
      (detail) => this.#violate(detail),
    );
    socket.on('data', (chunk: Buffer) => {
      if (!this.#closed) this.#reader.push(chunk);
    });
  }

  /** Sends a control message; throws BERTH_ERR_UNENCODABLE, sending nothing, when it cannot be encoded. */
  sendControl(message: unknown): void {
    this.#writer.send(PipeKind.CONTROL, this.#encoder.encode(message, false));
  }

  /** Sends a data frame; throws BERTH_ERR_UNENCODABLE, sending nothing, when it cannot be encoded. */
  send(frame: AnyFrame, _id?: number): void {
    this.#writer.send(PipeKind.DATA, this.#encoder.encode(frame, frameWorthBundling(frame)));
  }

  /** Sends `bytes` as the result of call `id`, as they are (the plugin gave them up). */
  sendBytes(id: number, bytes: Uint8Array): void {
    this.#writer.send(PipeKind.BYTES, bytes, id, true);
  }

  beat(): void {
    this.#writer.send(PipeKind.BEAT, EMPTY);
  }

  /** Writes what is batched now through `write` (a synchronous write, before an exit). */
  flushTo(write: (bytes: Uint8Array) => void): void {
    this.#writer.flushTo(write);
  }

  /** Stops reading and writing; the socket is the owner's to end. */
  close(): void {
    this.#closed = true;
    this.#writer.close();
  }

  #onFrame(kind: number, body: Buffer, own: boolean): void {
    if (this.#closed) return;
    const { listeners } = this;
    switch (kind) {
      case PipeKind.BEAT:
        listeners.beat();
        return;
      case PipeKind.BYTES: {
        if (body.length < 4) {
          this.#violate('a byte result without its call id');
          return;
        }
        const id = body.readUInt32LE(0);
        const { buffer, byteOffset, length } = body;
        // As every byte array comes out (value-model.ts): a plain Uint8Array, a copy
        // unless the frame has a buffer of its own.
        const view = new Uint8Array(buffer, byteOffset + 4, length - 4);
        listeners.bytes(id, own ? view : view.slice());
        return;
      }
      default: {
        let value: unknown;
        try {
          // A frame in a chunk it shares is copied out: a kept view would pin the chunk.
          value = this.#decoder.decode(body, body.length, !own);
        } catch (error) {
          this.#violate('a frame that does not decode', error);
          return;
        }
        if (kind === PipeKind.CONTROL) listeners.control(value);
        else listeners.data(value);
      }
    }
  }

  #violate(detail: string, cause?: unknown): void {
    if (this.#closed) return;
    this.close();
    this.listeners.violation(detail, cause);
  }
}

const EMPTY = new Uint8Array(0);
