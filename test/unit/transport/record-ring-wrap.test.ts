/**
 * The record ring at its edges: the free-running 32-bit position counters wrapping past
 * 2^32 (seeded there through the layout's control words, as after a long life), records
 * that skip to the start of the ring, a full ring and an empty one. No threads: both ends
 * share one SharedArrayBuffer in this thread.
 */
import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { RingReader, RingWriter } from '../../../src/transport/record-ring.js';
import {
  CONTROL_BYTES,
  HEAD_INDEX,
  Placement,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
} from '../../../src/transport/shared-layout.js';
import { seededRandom } from '../../support/seeded-random.js';

const RING = 1 << 16;
const WRAP = 2 ** 32;

interface Ring {
  words: Int32Array;
  header: Uint32Array;
  writer: RingWriter;
  reader: RingReader;
}

/** A ring whose TAIL and HEAD both start at `position` (a free-running counter). */
function ringAt(position: number): Ring {
  const buffer = new SharedArrayBuffer(CONTROL_BYTES + RING);
  const words = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
  Atomics.store(words, TAIL_INDEX, position | 0);
  Atomics.store(words, HEAD_INDEX, position | 0);
  return {
    words,
    header: new Uint32Array(buffer, CONTROL_BYTES),
    writer: new RingWriter(buffer),
    reader: new RingReader(buffer),
  };
}

const tailOf = (ring: Ring): number => Atomics.load(ring.words, TAIL_INDEX) >>> 0;
const headOf = (ring: Ring): number => Atomics.load(ring.words, HEAD_INDEX) >>> 0;

/** A payload whose bytes say which record they belong to. */
function payloadFor(id: number, length: number): Uint8Array {
  const payload = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) payload[i] = (id * 31 + i) & 0xff;
  return payload;
}

/** Whether `payload` is record `id`'s of `length` bytes (a byte compare: toEqual is slow on large arrays). */
const isPayloadOf = (payload: Uint8Array, id: number, length: number): boolean =>
  Buffer.from(payload).equals(payloadFor(id, length));

/** Reads every published record as id and payload, consuming them and handing the space back. */
function readAll(reader: RingReader): { id: number; payload: Uint8Array }[] {
  const out: { id: number; payload: Uint8Array }[] = [];
  for (let record = reader.peek(); record !== undefined; record = reader.peek()) {
    const { id, a, payloadOffset } = record;
    out.push({ id, payload: reader.bytes.slice(payloadOffset, payloadOffset + a) });
    reader.consume();
  }
  reader.release();
  return out;
}

function write(writer: RingWriter, id: number, payloadBytes: number): boolean {
  const payload = payloadFor(id, payloadBytes);
  return writer.write(RecordKind.FRAME, Placement.INLINE, id, payload.length, 0, payload);
}

/**
 * Writes records of `payloadBytes` until the ring refuses one; returns how many it took.
 * Bounded, so a ring that never says "full" fails the test rather than hang it.
 */
function fill(writer: RingWriter, payloadBytes: number): number {
  const most = RING / RECORD_HEADER_BYTES;
  let written = 0;
  while (written <= most && write(writer, written, payloadBytes)) written += 1;
  expect(written).toBeLessThanOrEqual(most);
  return written;
}

function expectProtocolError(act: () => unknown): void {
  expect(act).toThrow(expect.objectContaining({ code: codes.PROTOCOL }));
}

describe('the record ring across the wrap of its 32-bit counters', () => {
  it('reads records written across 2^32 back intact and in order, the pad before the end included', () => {
    // 104 bytes before 2^32, which is the end of the ring too (the ring divides 2^32): a
    // record of 64 fits, the next does not fit in the 40 left and skips them.
    const ring = ringAt(WRAP - 104);
    expect(write(ring.writer, 1, 40)).toBe(true); // 64 bytes, up to 2^32 - 40
    expect(write(ring.writer, 2, 40)).toBe(true); // skips 40 (a pad record), starts at 0
    expect(write(ring.writer, 3, 1000)).toBe(true);
    // The pad record fills the last 40 bytes of the ring.
    expect(ring.header[(RING - 40) >>> 2]).toBe(40);
    expect((ring.header[((RING - 40) >>> 2) + 1] as number) >>> 8).toBe(RecordKind.PAD);
    ring.writer.publish();
    // TAIL has wrapped to a small number.
    expect(tailOf(ring)).toBe(64 + alignedRecord(1000));
    const read = readAll(ring.reader);
    expect(read.map((r) => r.id)).toEqual([1, 2, 3]);
    for (const { id, payload } of read)
      expect(isPayloadOf(payload, id, id === 3 ? 1000 : 40)).toBe(true);
    expect(headOf(ring)).toBe(tailOf(ring));
  });

  it('skips a stub too short for a header right before 2^32', () => {
    const ring = ringAt(WRAP - 16);
    expect(write(ring.writer, 7, 8)).toBe(true); // 32 bytes: skips the 16, starts at 0
    ring.writer.publish();
    expect(tailOf(ring)).toBe(32);
    expect(readAll(ring.reader)).toEqual([{ id: 7, payload: payloadFor(7, 8) }]);
    expect(headOf(ring)).toBe(32);
  });

  it('keeps free space right while TAIL has wrapped and HEAD has not: full at exactly one ring', () => {
    // Records of 64 bytes from 1 KiB before 2^32: exactly RING / 64 fit, no pad needed.
    const ring = ringAt(WRAP - 1024);
    const perRing = RING / 64;
    const written = fill(ring.writer, 40);
    expect(written).toBe(perRing);
    ring.writer.publish();
    expect((tailOf(ring) - headOf(ring)) >>> 0).toBe(RING);
    expect(headOf(ring)).toBe(WRAP - 1024);

    // One record read and handed back frees exactly one record's room, no more.
    const first = ring.reader.peek();
    expect(first?.id).toBe(0);
    ring.reader.consume();
    ring.reader.release();
    expect(write(ring.writer, written, 40)).toBe(true);
    expect(write(ring.writer, written + 1, 40)).toBe(false);
    ring.writer.publish();

    const rest = readAll(ring.reader);
    expect(rest.map((r) => r.id)).toEqual(Array.from({ length: perRing }, (_, i) => i + 1));
    for (const { id, payload } of rest) expect(isPayloadOf(payload, id, 40)).toBe(true);
    expect(headOf(ring)).toBe((WRAP - 1024 + (perRing + 1) * 64) % WRAP);
  });

  it('resolves a wait for space at once when the record fits across the wrap, and not before when it does not', async () => {
    const ring = ringAt(WRAP - 1024);
    fill(ring.writer, 40);
    ring.writer.publish();
    let resolved = false;
    const space = ring.writer.whenSpace(40).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    ring.reader.peek();
    ring.reader.consume();
    ring.reader.release();
    await space;
    expect(write(ring.writer, 1, 40)).toBe(true);
  });

  it('carries a seeded stream of records of any size through many laps across 2^32', () => {
    const random = seededRandom(0x2032);
    // Far enough before 2^32 that the stream crosses it a few laps in.
    const ring = ringAt(WRAP - 3 * RING - 8);
    let next = 0;
    let expected = 0;
    const sizes = new Map<number, number>();
    let crossed = false;
    for (let round = 0; round < 3_000; round += 1) {
      const size = Math.floor(random() * (RING / 8));
      if (!write(ring.writer, next, size)) {
        ring.writer.publish();
        const before = headOf(ring);
        for (const { id, payload } of readAll(ring.reader)) {
          expect(id).toBe(expected);
          expect(isPayloadOf(payload, id, sizes.get(id) as number)).toBe(true);
          sizes.delete(id);
          expected += 1;
        }
        if (headOf(ring) < before) crossed = true;
        expect(write(ring.writer, next, size)).toBe(true);
      }
      sizes.set(next, size);
      next += 1;
    }
    ring.writer.publish();
    expected += readAll(ring.reader).length;
    expect(expected).toBe(next);
    expect(crossed).toBe(true);
  });
});

describe('the record ring across the wrap, read from a writer that is not trusted', () => {
  const start = WRAP - 64;

  it('accepts a TAIL exactly one ring ahead across the wrap (a full ring)', () => {
    const ring = ringAt(start);
    expect(fill(ring.writer, 40)).toBe(RING / 64);
    ring.writer.publish();
    expect(tailOf(ring)).toBe(RING - 64);
    expect(readAll(ring.reader)).toHaveLength(RING / 64);
  });

  it.each([
    ['more than a ring ahead, across the wrap', start, start + RING + 8],
    ['a little behind the reader (almost 2^32 ahead)', start, start - 8],
    ['behind a reader that has wrapped', 16, WRAP - 16],
  ])('refuses a TAIL %s, every time it is asked', (_, head, tail) => {
    const ring = ringAt(head);
    // Honest records everywhere, so that only the TAIL is wrong.
    fill(ring.writer, 40);
    ring.writer.publish();
    Atomics.store(ring.words, TAIL_INDEX, tail | 0);
    expectProtocolError(() => ring.reader.peek());
    expectProtocolError(() => ring.reader.peek());
    expect(headOf(ring)).toBe(head);
  });

  it.each([
    ['more than was published', 64],
    ['to run past the end of the ring, over 2^32', 96],
  ])('refuses a record grown %s', (_, size) => {
    const ring = ringAt(start);
    expect(write(ring.writer, 1, 8)).toBe(true); // 32 bytes at RING - 64
    ring.writer.publish();
    ring.header[(RING - 64) >>> 2] = size;
    expectProtocolError(() => ring.reader.peek());
  });

  it('refuses a pad record that runs past 2^32, and a stub published only in part', () => {
    const ring = ringAt(WRAP - 40);
    const at = (RING - 40) >>> 2;
    ring.header[at] = 48;
    ring.header[at + 1] = RecordKind.PAD << 8;
    Atomics.store(ring.words, TAIL_INDEX, 8);
    expectProtocolError(() => ring.reader.peek());

    const stub = ringAt(WRAP - 16);
    Atomics.store(stub.words, TAIL_INDEX, (WRAP - 8) | 0);
    expectProtocolError(() => stub.reader.peek());
  });

  it('refuses a record of almost 2^32 bytes at the end of the ring', () => {
    const ring = ringAt(start);
    const at = (RING - 64) >>> 2;
    ring.header[at] = 0xfffffff8;
    ring.header[at + 1] = (RecordKind.FRAME << 8) | Placement.INLINE;
    Atomics.store(ring.words, TAIL_INDEX, (start + RING) | 0);
    expectProtocolError(() => ring.reader.peek());
  });
});

describe('the record ring across the wrap, written for a reader that is not trusted', () => {
  it('refuses a HEAD ahead of what was written, across the wrap', () => {
    const ring = ringAt(WRAP - 64);
    Atomics.store(ring.words, HEAD_INDEX, 8);
    expectProtocolError(() => write(ring.writer, 1, 0));
    expect(tailOf(ring)).toBe(WRAP - 64);
  });

  it('takes a HEAD exactly one ring behind across the wrap as a full ring', () => {
    const ring = ringAt(32);
    Atomics.store(ring.words, HEAD_INDEX, (32 - RING) | 0);
    expect(write(ring.writer, 1, 0)).toBe(false);
    Atomics.store(ring.words, HEAD_INDEX, (32 - RING + 64) | 0);
    expect(write(ring.writer, 1, 0)).toBe(true);
  });
});

describe('an empty ring', () => {
  it.each([
    ['at 0', 0],
    ['just before 2^32', WRAP - 8],
  ])('has nothing to read %s, and hands nothing back', (_, position) => {
    const ring = ringAt(position);
    expect(ring.reader.hasRecords).toBe(false);
    expect(ring.reader.peek()).toBeUndefined();
    ring.reader.release();
    expect(headOf(ring)).toBe(position);
    // Publishing nothing changes nothing.
    ring.writer.publish();
    expect(tailOf(ring)).toBe(position);
    expect(ring.reader.peek()).toBeUndefined();
  });

  it('takes the largest record it allows from any position, and refuses a larger one', () => {
    for (const position of [0, RING / 2, WRAP - 8, WRAP - RING / 2 + 8]) {
      const ring = ringAt(position);
      expect(write(ring.writer, 1, ring.writer.maxPayload)).toBe(true);
      ring.writer.publish();
      const read = readAll(ring.reader);
      expect(read.map((r) => r.id)).toEqual([1]);
      expect(
        isPayloadOf((read[0] as { payload: Uint8Array }).payload, 1, ring.writer.maxPayload),
      ).toBe(true);
    }
    // A record larger than the ring fits nowhere, even when the ring is empty.
    expect(write(ringAt(0).writer, 1, RING)).toBe(false);
  });
});

/** The bytes a record with a payload of `payloadBytes` takes in the ring. */
function alignedRecord(payloadBytes: number): number {
  return Math.ceil((RECORD_HEADER_BYTES + payloadBytes) / 8) * 8;
}
