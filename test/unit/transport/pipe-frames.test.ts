import { describe, expect, it } from 'vitest';
import {
  PIPE_HEADER_BYTES,
  PipeKind,
  PipeReader,
  PipeWriter,
} from '../../../src/transport/pipe-frames.js';
import { seededRandom } from '../../support/seeded-random.js';

/** A sink that keeps every write, as a socket would send it. */
function recordingSink() {
  const writes: Buffer[] = [];
  return { writes, write: (bytes: Uint8Array) => writes.push(Buffer.from(bytes)) };
}

/** A reader that keeps every frame and violation. */
function recordingReader(maxFrameBytes = 1 << 20) {
  const frames: { kind: number; body: number[]; own: boolean }[] = [];
  const violations: string[] = [];
  const reader = new PipeReader(
    maxFrameBytes,
    (kind, body, own) => frames.push({ kind, body: [...body], own }),
    (detail) => violations.push(detail),
  );
  return { reader, frames, violations };
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('PipeWriter', () => {
  it('sends every frame of a tick in one write', async () => {
    const sink = recordingSink();
    const writer = new PipeWriter(sink);
    writer.send(PipeKind.DATA, Uint8Array.of(1, 2, 3));
    writer.send(PipeKind.BEAT, new Uint8Array(0));
    writer.send(PipeKind.BYTES, Uint8Array.of(9), 7);
    expect(sink.writes).toHaveLength(0);
    await tick();
    expect(sink.writes).toHaveLength(1);
    const { reader, frames } = recordingReader();
    reader.push(sink.writes[0] as Buffer);
    expect(frames.map(({ kind, body }) => [kind, body])).toEqual([
      [PipeKind.DATA, [1, 2, 3]],
      [PipeKind.BEAT, []],
      [PipeKind.BYTES, [7, 0, 0, 0, 9]],
    ]);
  });

  it('copies a small body at once, so the caller may reuse its buffer', async () => {
    const sink = recordingSink();
    const writer = new PipeWriter(sink);
    const body = Uint8Array.of(1, 2);
    writer.send(PipeKind.DATA, body);
    body.fill(0);
    await tick();
    expect([...(sink.writes[0] as Buffer).subarray(PIPE_HEADER_BYTES)]).toEqual([1, 2]);
  });

  it('writes a large body after the frames before it, a copy unless it is stable', () => {
    const sink = recordingSink();
    const writer = new PipeWriter(sink);
    writer.send(PipeKind.DATA, Uint8Array.of(5));
    const large = new Uint8Array(100_000).fill(3);
    writer.send(PipeKind.DATA, large);
    large.fill(4);
    const { reader, frames } = recordingReader();
    for (const write of sink.writes) reader.push(write);
    expect(frames.map((f) => [f.kind, f.body.length, f.body[0]])).toEqual([
      [PipeKind.DATA, 1, 5],
      [PipeKind.DATA, 100_000, 3],
    ]);
  });

  it('writes nothing once closed', async () => {
    const sink = recordingSink();
    const writer = new PipeWriter(sink);
    writer.send(PipeKind.DATA, Uint8Array.of(1));
    writer.close();
    writer.send(PipeKind.DATA, Uint8Array.of(2));
    await tick();
    expect(sink.writes).toEqual([]);
  });
});

describe('PipeReader', () => {
  it('reads the same frames however the stream is cut', () => {
    const frames = [
      [PipeKind.CONTROL, 0],
      [PipeKind.DATA, 3],
      [PipeKind.BEAT, 0],
      [PipeKind.BYTES, 70_000],
      [PipeKind.DATA, 1],
    ] as const;
    const parts: Buffer[] = [];
    for (const [kind, length] of frames) {
      const header = Buffer.alloc(PIPE_HEADER_BYTES);
      header.writeUInt32LE(length, 0);
      header[4] = kind;
      parts.push(header, Buffer.alloc(length, kind));
    }
    const stream = Buffer.concat(parts);
    const random = seededRandom(7);
    for (let round = 0; round < 50; round += 1) {
      const { reader, frames: read, violations } = recordingReader();
      let at = 0;
      while (at < stream.length) {
        const size = 1 + Math.floor(random() * (round % 2 === 0 ? 7 : 20_000));
        reader.push(stream.subarray(at, at + size));
        at += size;
      }
      expect(violations).toEqual([]);
      expect(read.map((f) => [f.kind, f.body.length])).toEqual(frames.map((f) => [...f]));
      expect(read.every((f, i) => f.body.every((byte) => byte === frames[i]?.[0]))).toBe(true);
    }
  });

  it('hands a frame whole in its chunk on as a view, and a gathered one as its own buffer', () => {
    const { reader, frames } = recordingReader();
    const header = Buffer.alloc(PIPE_HEADER_BYTES);
    header.writeUInt32LE(4, 0);
    header[4] = PipeKind.DATA;
    reader.push(Buffer.concat([header, Buffer.from([1, 2, 3, 4])]));
    reader.push(Buffer.concat([header, Buffer.from([5, 6])]));
    reader.push(Buffer.from([7, 8]));
    expect(frames.map((f) => f.own)).toEqual([false, true]);
  });

  it('refuses a length over its bound before taking memory for it, and reads no more', () => {
    const { reader, frames, violations } = recordingReader(1_000);
    const header = Buffer.alloc(PIPE_HEADER_BYTES);
    header.writeUInt32LE(0xffffffff, 0);
    header[4] = PipeKind.DATA;
    reader.push(header);
    reader.push(Buffer.alloc(100));
    expect(violations).toEqual(['a frame of 4294967295 bytes, over the bound of 1000']);
    expect(frames).toEqual([]);
  });

  it('refuses a frame of an unknown kind', () => {
    const { reader, violations } = recordingReader();
    reader.push(Buffer.from([0, 0, 0, 0, 99]));
    expect(violations).toEqual(['a frame of unknown kind 99']);
  });
});
