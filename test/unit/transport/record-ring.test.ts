import { describe, expect, it } from 'vitest';
import { RingReader, RingWriter } from '../../../src/transport/record-ring.js';
import {
  CONTROL_BYTES,
  Placement,
  RECORD_HEADER_BYTES,
  RecordKind,
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
    const woken = reader.whenRecords();
    writer.write(RecordKind.FRAME, Placement.INLINE, 5, 0, 0);
    writer.publish();
    await woken;
    expect(reader.hasRecords).toBe(true);

    const big = new Uint8Array(RING / 2 - RECORD_HEADER_BYTES);
    while (writer.write(RecordKind.FRAME, Placement.INLINE, 6, big.length, 0, big));
    writer.publish();
    const space = writer.whenSpace(big.length);
    readAll(reader);
    await space;
    expect(writer.write(RecordKind.FRAME, Placement.INLINE, 7, big.length, 0, big)).toBe(true);
  });
});
