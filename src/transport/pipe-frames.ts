/**
 * Frames on a byte stream: the wire of process isolation, where host and plugin share no
 * memory and talk over one pipe (a socket pair the child holds as fd 3).
 *
 *   ┌──────────────┬──────┬────────────────────────┐
 *   │ length (u32) │ kind │ body (length bytes)     │   little-endian
 *   └──────────────┴──────┴────────────────────────┘
 *
 * Frames sent in one tick leave in one write (PipeWriter): many calls, one wake-up of
 * the other side, as with the rings' doorbell. A frame that arrives whole in one chunk is
 * handed on as a view on that chunk; one that spans chunks is gathered straight into a
 * buffer of its own length (PipeReader), so a large result is copied once, from the
 * pipe, and never again. Nothing the other side writes is trusted: a length over the
 * bound or an unknown kind is a violation, reported before any memory is taken for it.
 */

/** What a frame carries. */
export const PipeKind = {
  /** A control message (wire.ts WorkerMessage / HostMessage, or the BOOT), msgpackr. */
  CONTROL: 1,
  /** A data-plane frame (wire.ts AnyFrame), msgpackr. */
  DATA: 2,
  /** A byte-array result as it is: call id (u32), then the bytes. */
  BYTES: 3,
  /** The plugin's event loop is alive (heartbeat); no body. */
  BEAT: 4,
} as const;

/** Bytes before a frame's body. */
export const PIPE_HEADER_BYTES = 5;

/** Frames up to this size are copied into the tick's batch; larger ones go as they are. */
const BATCH_BYTES = 64 << 10;

/** Where frames are written: a socket, or anything that writes like one. */
export interface ByteSink {
  write(bytes: Uint8Array): unknown;
}

/** Batches frames into one write per tick. */
export class PipeWriter {
  #batch = Buffer.allocUnsafe(BATCH_BYTES);
  #used = 0;
  #scheduled = false;
  #closed = false;

  constructor(private readonly sink: ByteSink) {}

  /**
   * Queues one frame, its body after `prefix` (a u32) when given. `body` is copied before
   * this returns unless it is large and `stable` (nobody writes it again): then it is
   * written as it is.
   */
  send(kind: number, body: Uint8Array, prefix?: number, stable = false): void {
    if (this.#closed) return;
    const extra = prefix === undefined ? 0 : 4;
    const length = body.byteLength + extra;
    if (length + PIPE_HEADER_BYTES > BATCH_BYTES) {
      this.#header(kind, length, prefix);
      this.flush();
      this.sink.write(stable ? body : Buffer.from(body));
      return;
    }
    if (this.#used + PIPE_HEADER_BYTES + length > BATCH_BYTES) this.flush();
    this.#header(kind, length, prefix);
    this.#batch.set(body, this.#used);
    this.#used += body.byteLength;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flushScheduled);
    }
  }

  /** Writes what is batched now. */
  flush(): void {
    // The sink may keep the bytes until the kernel takes them: they go as their own copy.
    this.flushTo((bytes) => this.sink.write(Buffer.from(bytes)));
  }

  /** Hands what is batched to `write` now (which must not keep the bytes). */
  flushTo(write: (bytes: Uint8Array) => void): void {
    if (this.#used === 0 || this.#closed) return;
    const bytes = this.#batch.subarray(0, this.#used);
    this.#used = 0;
    try {
      write(bytes);
    } catch {
      // The other end is gone: there is no one left to tell.
    }
  }

  /** Drops what is batched and writes nothing more. */
  close(): void {
    this.#closed = true;
    this.#used = 0;
  }

  #header(kind: number, length: number, prefix: number | undefined): void {
    const batch = this.#batch;
    batch.writeUInt32LE(length, this.#used);
    batch[this.#used + 4] = kind;
    this.#used += PIPE_HEADER_BYTES;
    if (prefix !== undefined) {
      batch.writeUInt32LE(prefix, this.#used);
      this.#used += 4;
    }
  }

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    this.flush();
  };
}

/** What a reader hands on: a frame's kind and body, and whether the body is its own buffer. */
export type FrameListener = (kind: number, body: Buffer, own: boolean) => void;

/** Cuts a byte stream into frames, checking each header before taking memory for it. */
export class PipeReader {
  readonly #header = Buffer.alloc(PIPE_HEADER_BYTES);
  #headerFill = 0;
  #body: Buffer | undefined;
  #bodyFill = 0;
  #kind = 0;
  #broken = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: FrameListener,
    private readonly onViolation: (detail: string) => void,
  ) {}

  /** Takes the next chunk of the stream. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.#broken) {
      if (this.#body !== undefined) {
        at = this.#fill(chunk, at);
        continue;
      }
      if (this.#headerFill === 0 && chunk.length - at >= PIPE_HEADER_BYTES) {
        const length = chunk.readUInt32LE(at);
        at = this.#frameAt(chunk, at + PIPE_HEADER_BYTES, length, chunk[at + 4] as number);
        continue;
      }
      const take = Math.min(PIPE_HEADER_BYTES - this.#headerFill, chunk.length - at);
      chunk.copy(this.#header, this.#headerFill, at, at + take);
      this.#headerFill += take;
      at += take;
      if (this.#headerFill === PIPE_HEADER_BYTES) {
        this.#headerFill = 0;
        const header = this.#header;
        at = this.#frameAt(chunk, at, header.readUInt32LE(0), header[4] as number);
      }
    }
  }

  /**
   * A frame whose body starts at `start` in `chunk`: handed on at once when all of it is
   * there, else gathering starts. Returns where the next frame starts.
   */
  #frameAt(chunk: Buffer, start: number, length: number, kind: number): number {
    if (kind < PipeKind.CONTROL || kind > PipeKind.BEAT) {
      this.#violate(`a frame of unknown kind ${kind}`);
      return chunk.length;
    }
    if (length > this.maxFrameBytes) {
      this.#violate(`a frame of ${length} bytes, over the bound of ${this.maxFrameBytes}`);
      return chunk.length;
    }
    if (chunk.length - start >= length) {
      this.onFrame(kind, chunk.subarray(start, start + length), false);
      return start + length;
    }
    this.#kind = kind;
    this.#body = Buffer.allocUnsafe(length);
    this.#bodyFill = 0;
    return this.#fill(chunk, start);
  }

  #fill(chunk: Buffer, at: number): number {
    const body = this.#body as Buffer;
    const take = Math.min(body.length - this.#bodyFill, chunk.length - at);
    chunk.copy(body, this.#bodyFill, at, at + take);
    this.#bodyFill += take;
    if (this.#bodyFill === body.length) {
      this.#body = undefined;
      this.onFrame(this.#kind, body, true);
    }
    return at + take;
  }

  #violate(detail: string): void {
    this.#broken = true;
    this.onViolation(detail);
  }
}
