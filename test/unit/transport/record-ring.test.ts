import { describe, expect, it } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import { monotonicMs } from '../../../src/transport/monotonic-clock.js';
import { RingReader, RingWriter } from '../../../src/transport/record-ring.js';
import {
  CONTROL_BYTES,
  HEAD_INDEX,
  Placement,
  READER_WAITING_INDEX,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
  WRITER_WAITING_INDEX,
} from '../../../src/transport/shared-layout.js';

const RING = 1 << 16;
const makeRing = (): { writer: RingWriter; reader: RingReader } => {
  const buffer = new SharedArrayBuffer(CONTROL_BYTES + RING);
  return { writer: new RingWriter(buffer), reader: new RingReader(buffer) };
};

/** Reads every published record's id and payload, consuming them. */
function readAll(reader: RingReader): { id: number; payload: number[] }[] {
  const out: { id: number; payload: number[] }[] = [];
  for (let record = reader.peek(); record !== undefined; record = reader.peek()) {
    const { id, a, payloadOffset } = record;
    out.push({ id, payload: [...reader.bytes.subarray(payloadOffset, payloadOffset + a)] });
    reader.consume();
  }
  reader.release();
  return out;
}

describe('the record ring', () => {
  it('shows records to the reader only once they are published, in order', () => {
    const { writer, reader } = makeRing();
    expect(
      writer.write(RecordKind.FRAME, Placement.INLINE, 1, 3, 0, new Uint8Array([1, 2, 3])),
    ).toBe(true);
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 2, 0, 0)).toBe(true);
    expect(reader.hasRecords).toBe(false);
    writer.publish();
    expect(readAll(reader)).toEqual([
      { id: 1, payload: [1, 2, 3] },
      { id: 2, payload: [] },
    ]);
    expect(reader.hasRecords).toBe(false);
  });

  it('refuses a record it has no room for, then takes it once the reader hands space back', () => {
    const { writer, reader } = makeRing();
    const payload = new Uint8Array(RING / 4 - RECORD_HEADER_BYTES);
    let written = 0;
    while (writer.write(RecordKind.FRAME, Placement.INLINE, written, payload.length, 0, payload))
      written += 1;
    expect(written).toBe(4);
    writer.publish();
    expect(readAll(reader).map((r) => r.id)).toEqual([0, 1, 2, 3]);
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 9, payload.length, 0, payload)).toBe(
      true,
    );
  });

  it('never splits a record across the end of the ring, for any sequence of sizes', () => {
    const { writer, reader } = makeRing();
    let sent = 0;
    let received = 0;
    for (let round = 0; round < 2_000; round += 1) {
      const size = (round * 7919) % 5_000;
      const payload = new Uint8Array(size).fill(round & 0xff);
      if (!writer.write(RecordKind.FRAME, Placement.INLINE, round, size, 0, payload)) {
        writer.publish();
        for (const record of readAll(reader)) {
          expect(record.payload.every((b) => b === (record.id & 0xff))).toBe(true);
          expect(record.id).toBe(received);
          received += 1;
        }
        expect(writer.write(RecordKind.FRAME, Placement.INLINE, round, size, 0, payload)).toBe(
          true,
        );
      }
      sent += 1;
    }
    writer.publish();
    received += readAll(reader).length;
    expect(received).toBe(sent);
  });

  it('wakes a sleeping reader when records are published, and a waiting writer when space is freed', async () => {
    const { writer, reader } = makeRing();
    expect(reader.rangAt).toBe(0); // never rung
    const woken = reader.whenRecords();
    const before = monotonicMs();
    writer.write(RecordKind.FRAME, Placement.INLINE, 5, 0, 0);
    writer.publish();
    await woken;
    expect(reader.hasRecords).toBe(true);
    // The ring says when it rang, on the clock every thread shares.
    expect(reader.rangAt).toBeGreaterThanOrEqual(before);
    expect(reader.rangAt).toBeLessThanOrEqual(monotonicMs());
    // An awake reader is not rung, and the time stays that of the last ring.
    const rang = reader.rangAt;
    writer.write(RecordKind.FRAME, Placement.INLINE, 7, 0, 0);
    writer.publish();
    expect(reader.rangAt).toBe(rang);

    const big = new Uint8Array(RING / 2 - RECORD_HEADER_BYTES);
    while (writer.write(RecordKind.FRAME, Placement.INLINE, 6, big.length, 0, big));
    writer.publish();
    const space = writer.whenSpace(big.length);
    readAll(reader);
    await space;
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 7, big.length, 0, big)).toBe(true);
  });
});

/** The ring's raw memory, as a hostile writer sees it. */
function rawRing(): {
  buffer: SharedArrayBuffer;
  words: Int32Array;
  header: Uint32Array;
  writer: RingWriter;
  reader: RingReader;
} {
  const buffer = new SharedArrayBuffer(CONTROL_BYTES + RING);
  return {
    buffer,
    words: new Int32Array(buffer, 0, CONTROL_BYTES / 4),
    header: new Uint32Array(buffer, CONTROL_BYTES),
    writer: new RingWriter(buffer),
    reader: new RingReader(buffer),
  };
}

/** Writes a header as a writer would, without any of its checks. */
function forge(
  header: Uint32Array,
  offset: number,
  fields: { size: number; kind?: number; placement?: number; id?: number; a?: number; b?: number },
): void {
  const at = offset >>> 2;
  header[at] = fields.size;
  header[at + 1] =
    ((fields.kind ?? RecordKind.FRAME) << 8) | (fields.placement ?? Placement.INLINE);
  header[at + 2] = fields.id ?? 1;
  header[at + 3] = fields.a ?? 0;
  header[at + 4] = fields.b ?? 0;
}

/**
 * Moves the ring's head to `RING - stub` with two honest records, read and handed back:
 * the next record does not fit before the end.
 */
function headNearTheEnd(writer: RingWriter, reader: RingReader, stub: number): void {
  const first = new Uint8Array(RING / 2 - RECORD_HEADER_BYTES);
  const second = new Uint8Array(RING / 2 - stub - RECORD_HEADER_BYTES);
  expect(writer.write(RecordKind.FRAME, Placement.INLINE, 1, first.length, 0, first)).toBe(true);
  expect(writer.write(RecordKind.FRAME, Placement.INLINE, 2, second.length, 0, second)).toBe(true);
  writer.publish();
  expect(readAll(reader).map((r) => r.id)).toEqual([1, 2]);
}

describe('the record ring, read from a writer that is not trusted', () => {
  it('takes every record an honest writer wraps with a pad record', () => {
    const { writer, reader, header } = rawRing();
    headNearTheEnd(writer, reader, 40);
    const payload = new Uint8Array(20).fill(7);
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 3, 20, 0, payload)).toBe(true);
    // The 40 bytes left before the end hold a pad record; the record starts at 0.
    expect(header[(RING - 40) >>> 2]).toBe(40);
    expect((header[((RING - 40) >>> 2) + 1] as number) >>> 8).toBe(RecordKind.PAD);
    writer.publish();
    expect(readAll(reader)).toEqual([{ id: 3, payload: [...payload] }]);
  });

  it.each([8, 16])(
    'takes every record an honest writer wraps past a stub of %i bytes, too short for a header',
    (stub) => {
      const { writer, reader, header, words } = rawRing();
      headNearTheEnd(writer, reader, stub);
      // Whatever the stub holds is not read: no header is written there.
      header.fill(0xffffffff, (RING - stub) >>> 2);
      expect(writer.write(RecordKind.BYTES, Placement.INLINE, 3, 1, 0, new Uint8Array([5]))).toBe(
        true,
      );
      writer.publish();
      expect(Atomics.load(words, TAIL_INDEX) >>> 0).toBe(RING + RECORD_HEADER_BYTES + 8);
      expect(readAll(reader)).toEqual([{ id: 3, payload: [5] }]);
      expect(Atomics.load(words, HEAD_INDEX) >>> 0).toBe(RING + RECORD_HEADER_BYTES + 8);
    },
  );

  it('takes records across the wrap of the 32-bit position counters', () => {
    const buffer = new SharedArrayBuffer(CONTROL_BYTES + RING);
    const words = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    // Both counters just short of 2^32, as after a long life: positions are free-running.
    const start = 2 ** 32 - 48;
    Atomics.store(words, TAIL_INDEX, start | 0);
    Atomics.store(words, HEAD_INDEX, start | 0);
    const writer = new RingWriter(buffer);
    const reader = new RingReader(buffer);
    for (let id = 0; id < 4; id += 1) {
      expect(writer.write(RecordKind.FRAME, Placement.INLINE, id, 1, 0, new Uint8Array([id]))).toBe(
        true,
      );
    }
    writer.publish();
    expect(readAll(reader)).toEqual([0, 1, 2, 3].map((id) => ({ id, payload: [id] })));
  });

  type Forgery = { name: string; forge: (ring: ReturnType<typeof rawRing>) => void };
  const publish = (words: Int32Array, tail: number): void => {
    Atomics.store(words, TAIL_INDEX, tail | 0);
  };
  const forgeries: Forgery[] = [
    {
      name: 'a tail more than a ring ahead of the reader',
      forge: ({ words }) => publish(words, RING + 8),
    },
    {
      name: 'a tail behind the reader (read as almost 2^32 ahead)',
      forge: ({ words }) => publish(words, -8),
    },
    {
      name: 'a record shorter than its header',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 16 });
        publish(words, 16);
      },
    },
    {
      name: 'a record of size 0 (which would never move the head)',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 0 });
        publish(words, 64);
      },
    },
    {
      name: 'a record whose size is not a multiple of 8',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 28, a: 4 });
        publish(words, 32);
      },
    },
    {
      name: 'a record larger than what was published',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 64 });
        publish(words, 32);
      },
    },
    {
      name: 'a record larger than the ring',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 0xfffffff8 });
        publish(words, RING);
      },
    },
    {
      name: 'a record that crosses the end of the ring',
      forge: ({ writer, reader, words, header }) => {
        headNearTheEnd(writer, reader, 40);
        forge(header, RING - 40, { size: 48 });
        publish(words, RING + 8);
      },
    },
    {
      name: 'a stub before the end that is published only in part',
      forge: ({ writer, reader, words }) => {
        headNearTheEnd(writer, reader, 16);
        publish(words, RING - 8);
      },
    },
    {
      name: 'a pad record that does not reach the end of the ring',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 32, kind: RecordKind.PAD, placement: 0 });
        forge(header, 32, { size: 24 });
        publish(words, 56);
      },
    },
    {
      name: 'a pad record that runs past the end of the ring',
      forge: ({ writer, reader, words, header }) => {
        headNearTheEnd(writer, reader, 40);
        forge(header, RING - 40, { size: 48, kind: RecordKind.PAD });
        publish(words, RING + 8);
      },
    },
    ...[0, 6, 0xff, 0xffffff].map((kind) => ({
      name: `a record of unknown kind ${kind}`,
      forge: ({ words, header }: ReturnType<typeof rawRing>) => {
        forge(header, 0, { size: 24, kind });
        publish(words, 24);
      },
    })),
    ...[0, 4, 0xff].map((placement) => ({
      name: `a record of unknown placement ${placement}`,
      forge: ({ words, header }: ReturnType<typeof rawRing>) => {
        forge(header, 0, { size: 24, placement });
        publish(words, 24);
      },
    })),
    ...[Placement.ARENA, Placement.PORT].map((placement) => ({
      name: `a reset record of placement ${placement} (a reset carries nothing)`,
      forge: ({ words, header }: ReturnType<typeof rawRing>) => {
        forge(header, 0, { size: 24, kind: RecordKind.RESET, placement });
        publish(words, 24);
      },
    })),
    ...[Placement.ARENA, Placement.PORT].map((placement) => ({
      name: `a batch of frames of placement ${placement} (batches are small, and inline)`,
      forge: ({ words, header }: ReturnType<typeof rawRing>) => {
        forge(header, 0, { size: 24, kind: RecordKind.FRAMES, placement, id: 2 });
        publish(words, 24);
      },
    })),
    {
      name: 'an inline payload longer than its record',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 32, a: 9 });
        publish(words, 32);
      },
    },
    {
      name: 'an inline payload of almost 2^32 bytes',
      forge: ({ words, header }) => {
        forge(header, 0, { size: 32, a: 0xffffffff });
        publish(words, 32);
      },
    },
  ];

  it.each(forgeries)('refuses $name with BERTH_ERR_PROTOCOL', (forgery) => {
    const ring = rawRing();
    forgery.forge(ring);
    let thrown: unknown;
    try {
      ring.reader.peek();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BerthError);
    expect(thrown).toMatchObject({ code: codes.PROTOCOL, data: { detail: expect.any(String) } });
  });

  it('refuses a bad record that follows good ones only once it gets to it', () => {
    const { writer, reader, words, header } = rawRing();
    writer.write(RecordKind.FRAME, Placement.INLINE, 1, 0, 0);
    writer.write(RecordKind.FRAME, Placement.INLINE, 2, 0, 0);
    writer.publish();
    forge(header, 48, { size: 24, kind: 9 });
    publish(words, 72);
    expect(reader.peek()?.id).toBe(1);
    reader.consume();
    expect(reader.peek()?.id).toBe(2);
    reader.consume();
    expect(() => reader.peek()).toThrow(expect.objectContaining({ code: codes.PROTOCOL }));
  });

  it('takes the records of arena and port placement without reading a payload', () => {
    const { writer, reader } = rawRing();
    writer.write(RecordKind.FRAME, Placement.ARENA, 1, 0xfffffff8, 1 << 20);
    writer.write(RecordKind.BYTES, Placement.PORT, 2, 1 << 30, 0);
    writer.write(RecordKind.RESET, Placement.INLINE, 0, 0, 0);
    writer.publish();
    const seen: { kind: number; placement: number; a: number; b: number }[] = [];
    for (let record = reader.peek(); record !== undefined; record = reader.peek()) {
      const { kind, placement, a, b } = record;
      seen.push({ kind, placement, a, b });
      reader.consume();
    }
    expect(seen).toEqual([
      { kind: RecordKind.FRAME, placement: Placement.ARENA, a: 0xfffffff8, b: 1 << 20 },
      { kind: RecordKind.BYTES, placement: Placement.PORT, a: 1 << 30, b: 0 },
      { kind: RecordKind.RESET, placement: Placement.INLINE, a: 0, b: 0 },
    ]);
  });
});

describe('the record ring, written for a reader that is not trusted', () => {
  it.each([
    ['ahead of what was written', 8],
    ['more than a ring behind', -(RING + 8)],
  ])('refuses to write when the reader says its head is %s', (_, head) => {
    const { writer, words } = rawRing();
    Atomics.store(words, HEAD_INDEX, head | 0);
    expect(() => writer.write(RecordKind.FRAME, Placement.INLINE, 1, 0, 0)).toThrow(
      expect.objectContaining({ code: codes.PROTOCOL }),
    );
    expect(Atomics.load(words, TAIL_INDEX)).toBe(0);
  });

  it('writes on when the head is a whole ring behind (a full ring)', () => {
    const { writer, words } = rawRing();
    Atomics.store(words, HEAD_INDEX, -RING | 0);
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 1, 0, 0)).toBe(false);
  });
});

describe('closing a ring', () => {
  it('leaves the control words alone once closed: nothing published, nothing handed back', () => {
    const { writer, reader, words } = rawRing();
    writer.write(RecordKind.FRAME, Placement.INLINE, 1, 0, 0);
    writer.publish();
    writer.write(RecordKind.FRAME, Placement.INLINE, 2, 0, 0);
    writer.close();
    // The buffer may already serve a new writer, which starts from TAIL 0.
    Atomics.store(words, TAIL_INDEX, 0);
    writer.publish();
    expect(Atomics.load(words, TAIL_INDEX)).toBe(0);

    Atomics.store(words, TAIL_INDEX, 24);
    expect(reader.peek()?.id).toBe(1);
    reader.consume();
    reader.close();
    reader.release();
    expect(Atomics.load(words, HEAD_INDEX)).toBe(0);
  });

  it("ends a reader's pending wait and leaves the control words to the next reader", async () => {
    const { reader, words } = rawRing();
    const waiting = reader.whenRecords();
    expect(Atomics.load(words, READER_WAITING_INDEX)).toBe(1);
    reader.close();
    await waiting;
    // A new reader of the same buffer may have raised the flag by now: it is not cleared.
    expect(Atomics.load(words, READER_WAITING_INDEX)).toBe(1);
    expect(reader.hasRecords).toBe(false);
  });

  it("ends a writer's pending wait for space and leaves the control words to the next writer", async () => {
    const { writer, words } = rawRing();
    const big = new Uint8Array(RING / 2 - RECORD_HEADER_BYTES);
    while (writer.write(RecordKind.FRAME, Placement.INLINE, 1, big.length, 0, big));
    writer.publish();
    const waiting = writer.whenSpace(big.length);
    expect(Atomics.load(words, WRITER_WAITING_INDEX)).toBe(1);
    writer.close();
    await waiting;
    expect(Atomics.load(words, WRITER_WAITING_INDEX)).toBe(1);
    // A closed writer's wait for space resolves at once.
    await writer.whenSpace(big.length);
  });
});

describe('waiting for space in the ring', () => {
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('waits until the record would fit, the skip to the start included, not only its payload', async () => {
    const { writer, reader } = rawRing();
    // One record leaves 128 bytes before the end: a payload of 110 needs 136, so it skips
    // them and needs 264 bytes free. Resolving with 128 free would have the writer spin.
    const fill = new Uint8Array(RING - 128 - RECORD_HEADER_BYTES);
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 1, fill.length, 0, fill)).toBe(true);
    writer.publish();
    const payload = new Uint8Array(110);
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 2, 110, 0, payload)).toBe(false);
    let resolved = false;
    const space = writer.whenSpace(payload.length).then(() => (resolved = true));
    await turn();
    expect(resolved).toBe(false);
    readAll(reader);
    await space;
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 2, 110, 0, payload)).toBe(true);
  });

  it('resolves at once when the record fits now', async () => {
    const { writer } = rawRing();
    await writer.whenSpace(RING / 2 - RECORD_HEADER_BYTES);
  });
});
