import { once } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BerthError, codes, type BerthErrorCode } from '../../../src/errors.js';
import { createStreamEncoder } from '../../../src/transport/codec.js';
import { RingReader, RingWriter } from '../../../src/transport/record-ring.js';
import { ArenaReader, ArenaWriter, type ArenaSlot } from '../../../src/transport/result-arena.js';
import {
  FrameReceiver,
  FrameSender,
  type ReceiverOptions,
} from '../../../src/transport/shared-channel.js';
import {
  HEAD_INDEX,
  INLINE_MAX_BYTES,
  Placement,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
  createSharedBuffers,
  type SharedBuffers,
} from '../../../src/transport/shared-layout.js';
import { Frame, type AnyFrame } from '../../../src/transport/wire.js';

/** Bytes of the rings and the arena: small, so that tests reach their ends. */
const SMALL = 1 << 17;

const opened: MessagePort[] = [];
afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

interface Received {
  frame: AnyFrame;
  slot: ArenaSlot | undefined;
}

/** The results direction of a channel: the worker's sender and the host's receiver. */
function makeChannel(options: Partial<ReceiverOptions> & { withArena?: boolean } = {}): {
  buffers: SharedBuffers;
  sender: FrameSender;
  receiver: FrameReceiver;
  /** The worker's end of the data port. */
  port: MessagePort;
  /** The host's end of the data port. */
  hostPort: MessagePort;
  received: Received[];
  violations: unknown[];
  arena: ArenaReader;
  words: Int32Array;
} {
  const buffers = createSharedBuffers(SMALL, SMALL);
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  const received: Received[] = [];
  const violations: unknown[] = [];
  const arena = new ArenaReader(buffers.arena, buffers.results);
  const sender = new FrameSender(
    new RingWriter(buffers.results),
    port2,
    new ArenaWriter(buffers.arena, buffers.results),
  );
  const receiver = new FrameReceiver({
    reader: new RingReader(buffers.results),
    port: port1,
    arena: options.withArena === false ? undefined : arena,
    accepts: [Frame.RESULT, Frame.FAILURE],
    onFrame: (frame, slot) => received.push({ frame, slot }),
    onViolation: (error) => violations.push(error),
    ...options,
  });
  return {
    buffers,
    sender,
    receiver,
    port: port2,
    hostPort: port1,
    received,
    violations,
    arena,
    words: new Int32Array(buffers.results, 0, 16),
  };
}

/** Lets the sender's publish (a microtask) run; port messages have not arrived yet. */
const published = async (): Promise<void> => {
  await null;
};

/** Resolves once the host's port has handled `count` more messages. */
async function portMessages(hostPort: MessagePort, count = 1): Promise<void> {
  for (let i = 0; i < count; i += 1) await once(hostPort, 'message');
}

/** The one violation reported, checked for its code. */
function expectOneViolation(violations: unknown[], code: BerthErrorCode = codes.PROTOCOL): void {
  expect(violations).toHaveLength(1);
  expect(violations[0]).toBeInstanceOf(BerthError);
  expect(violations[0]).toMatchObject({ code, data: { detail: expect.any(String) } });
}

/**
 * A hostile worker's own writer on the results ring: records of its choosing, published
 * at once. (The sender's writer is not used alongside it.)
 */
function forger(buffers: SharedBuffers): {
  record(kind: number, placement: number, id: number, a: number, b: number, p?: Uint8Array): void;
  frame(value: unknown, id: number): void;
  /** A FRAMES record of `values`, saying it holds `count`. */
  batch(values: unknown[], count?: number): void;
} {
  const writer = new RingWriter(buffers.results);
  const encoder = createStreamEncoder();
  const record = (
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
    payload?: Uint8Array,
  ): void => {
    expect(writer.write(kind, placement, id, a, b, payload)).toBe(true);
    writer.publish();
  };
  return {
    record,
    frame(value, id) {
      const bytes = encoder.encode(value, false);
      record(RecordKind.FRAME, Placement.INLINE, id, bytes.byteLength, 0, bytes);
    },
    batch(values, count = values.length) {
      const parts = values.map((value) => lengthPrefixed(encoder.encode(value, false)));
      const bytes = Buffer.concat(parts);
      record(RecordKind.FRAMES, Placement.INLINE, count, bytes.byteLength, 0, bytes);
    },
  };
}

/** `bytes` after their length, as a FRAMES record holds each frame. */
function lengthPrefixed(bytes: Uint8Array, length = bytes.byteLength): Buffer {
  const out = Buffer.alloc(4 + bytes.byteLength);
  out.writeUInt32LE(length, 0);
  out.set(bytes, 4);
  return out;
}

/** The kind of every record published on the results ring, read without consuming them. */
function recordKinds(buffers: SharedBuffers): number[] {
  const reader = new RingReader(buffers.results);
  const kinds: number[] = [];
  for (let record = reader.peek(); record !== undefined; record = reader.peek()) {
    kinds.push(record.kind);
    reader.consume();
  }
  return kinds;
}

describe('the frame receiver, from an honest sender', () => {
  it('delivers every frame in the order it was sent, whichever path its bytes took', async () => {
    const { sender, receiver, received, violations, hostPort, arena } = makeChannel();
    const inArena = 'a'.repeat(INLINE_MAX_BYTES + 1_000);
    const onPort = 'p'.repeat(SMALL);
    const bytes = new Uint8Array(INLINE_MAX_BYTES + 8).fill(9);
    const failure = { name: 'Error', message: 'no', code: 'E_NO' };
    sender.send([Frame.RESULT, 1, { small: true }], 1);
    sender.send([Frame.RESULT, 2, inArena], 2);
    sender.send([Frame.RESULT, 3, onPort], 3);
    sender.sendBytes(4, new Uint8Array([1, 2, 3]));
    sender.sendBytes(5, bytes);
    sender.send([Frame.FAILURE, 6, failure], 6);
    const arrived = portMessages(hostPort);
    await published();
    receiver.drain();
    // Frames wait, in order, behind the one whose bytes are still on the port.
    expect(received.map((r) => r.frame[1])).toEqual([1, 2]);
    await arrived;
    expect(received.map((r) => r.frame)).toEqual([
      [Frame.RESULT, 1, { small: true }],
      [Frame.RESULT, 2, inArena],
      [Frame.RESULT, 3, onPort],
      [Frame.RESULT, 4, new Uint8Array([1, 2, 3])],
      [Frame.RESULT, 5, bytes],
      [Frame.FAILURE, 6, failure],
    ]);
    expect(received.every((r) => r.slot === undefined)).toBe(true);
    expect(arena.bytesInUse).toBe(0);
    expect(violations).toEqual([]);
  });

  it('hands a zero-copy byte result over as a view on the arena with its slot, and copies the rest', async () => {
    const { sender, receiver, received, arena, buffers } = makeChannel({
      keepsViews: (id) => id === 1,
    });
    const bytes = new Uint8Array(INLINE_MAX_BYTES + 8).fill(4);
    sender.sendBytes(1, bytes);
    sender.sendBytes(2, bytes);
    await published();
    receiver.drain();
    const [kept, copied] = received;
    expect(kept?.slot).toBeDefined();
    const view = kept?.frame[2] as Uint8Array;
    expect(view.buffer).toBe(buffers.arena);
    expect(view).toEqual(bytes);
    expect((copied?.frame[2] as Uint8Array).buffer).toBeInstanceOf(ArrayBuffer);
    expect(copied?.slot).toBeUndefined();
    // The copied slot was freed, but the arena is handed back in order: it waits for the kept one.
    expect(arena.bytesInUse).toBe(2 * bytes.byteLength);
    arena.free(kept?.slot as ArenaSlot);
    expect(arena.bytesInUse).toBe(0);
  });

  it('decodes on after the sender replaced an encoder that failed', async () => {
    const { sender, receiver, received, violations } = makeChannel();
    sender.send([Frame.RESULT, 1, { shape: 1 }], 1);
    expect(() => sender.send([Frame.RESULT, 2, { shape: () => 1 }], 2)).toThrow(
      expect.objectContaining({ code: codes.UNENCODABLE }),
    );
    sender.send([Frame.RESULT, 3, { shape: 3 }], 3);
    await published();
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual([
      [Frame.RESULT, 1, { shape: 1 }],
      [Frame.RESULT, 3, { shape: 3 }],
    ]);
    expect(violations).toEqual([]);
  });

  it('sends the small frames that follow the first of a tick as one record, in order among the others', async () => {
    const { sender, receiver, received, violations, buffers } = makeChannel();
    const large = 'l'.repeat(2_000);
    for (let id = 1; id <= 4; id += 1) sender.send([Frame.RESULT, id, { id }], id);
    sender.sendBytes(5, new Uint8Array([5]));
    sender.send([Frame.RESULT, 6, 'six'], 6);
    sender.send([Frame.RESULT, 7, 'seven'], 7);
    sender.send([Frame.RESULT, 8, large], 8);
    sender.send([Frame.FAILURE, 9, { name: 'Error', message: 'nine' }], 9);
    await published();
    const { FRAME, FRAMES, BYTES } = RecordKind;
    expect(recordKinds(buffers)).toEqual([FRAME, FRAMES, BYTES, FRAMES, FRAME, FRAME]);
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual([
      [Frame.RESULT, 1, { id: 1 }],
      [Frame.RESULT, 2, { id: 2 }],
      [Frame.RESULT, 3, { id: 3 }],
      [Frame.RESULT, 4, { id: 4 }],
      [Frame.RESULT, 5, new Uint8Array([5])],
      [Frame.RESULT, 6, 'six'],
      [Frame.RESULT, 7, 'seven'],
      [Frame.RESULT, 8, large],
      [Frame.FAILURE, 9, { name: 'Error', message: 'nine' }],
    ]);
    expect(violations).toEqual([]);
  });

  it('publishes a batch as soon as it holds eight frames, before the tick ends', () => {
    const { sender, receiver, received, buffers } = makeChannel();
    for (let id = 1; id <= 10; id += 1) sender.send([Frame.RESULT, id, id], id);
    // No microtask has run: the first frame and the full batch are out, the tenth waits.
    expect(recordKinds(buffers)).toEqual([RecordKind.FRAME, RecordKind.FRAMES]);
    receiver.drain();
    expect(received.map((r) => r.frame[1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('writes the batch before the reset of an encoder that failed, and decodes on after it', async () => {
    const { sender, receiver, received, violations } = makeChannel();
    for (let id = 1; id <= 3; id += 1) sender.send([Frame.RESULT, id, { shape: id }], id);
    expect(() => sender.send([Frame.RESULT, 4, { shape: () => 4 }], 4)).toThrow(
      expect.objectContaining({ code: codes.UNENCODABLE }),
    );
    sender.send([Frame.RESULT, 5, { shape: 5 }], 5);
    sender.send([Frame.RESULT, 6, { other: 6 }], 6);
    await published();
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual([
      [Frame.RESULT, 1, { shape: 1 }],
      [Frame.RESULT, 2, { shape: 2 }],
      [Frame.RESULT, 3, { shape: 3 }],
      [Frame.RESULT, 5, { shape: 5 }],
      [Frame.RESULT, 6, { other: 6 }],
    ]);
    expect(violations).toEqual([]);
  });

  it('batches frames whose strings are bundled with the others, and decodes them all as sent', async () => {
    const { sender, receiver, received, buffers } = makeChannel();
    const list = Array.from({ length: 6 }, (_, i) => `item-${'x'.repeat(i * 7)}-${i}`);
    const frames: AnyFrame[] = [
      [Frame.RESULT, 1, 'first'],
      [Frame.RESULT, 2, 'second, batched'],
      [Frame.RESULT, 3, list],
      [Frame.RESULT, 4, { after: 'the bundle', name: 'x'.repeat(40) }],
      [Frame.RESULT, 5, ['a', 'b']],
    ];
    for (const frame of frames) sender.send(frame, frame[1]);
    await published();
    expect(recordKinds(buffers)).toEqual([RecordKind.FRAME, RecordKind.FRAMES]);
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual(frames);
  });

  it('hands over every frame of a batch when onFrame throws on one, then lets the throw through', async () => {
    const { sender, receiver, received, words } = makeChannel({
      onFrame: (frame, slot) => {
        if (frame[1] === 3) throw new Error('the handler failed');
        received.push({ frame, slot });
      },
    });
    for (let id = 1; id <= 5; id += 1) sender.send([Frame.RESULT, id, id], id);
    await published();
    expect(() => receiver.drain()).toThrow('the handler failed');
    expect(received.map((r) => r.frame[1])).toEqual([1, 2, 4, 5]);
    expect(Atomics.load(words, HEAD_INDEX)).toBe(Atomics.load(words, TAIL_INDEX));
  });

  it('publishes nothing of the tick once closed, neither the first frame nor the batch', async () => {
    const { sender, receiver, received, buffers } = makeChannel();
    sender.send([Frame.RESULT, 1, 1], 1);
    sender.send([Frame.RESULT, 2, 2], 2);
    sender.close();
    sender.flush();
    sender.send([Frame.RESULT, 3, 3], 3);
    await published();
    expect(recordKinds(buffers)).toEqual([]);
    receiver.drain();
    expect(received).toEqual([]);
  });

  it('lets what onFrame throws through, and hands the ring space back all the same', async () => {
    const { sender, receiver, received, words } = makeChannel({
      onFrame: (frame, slot) => {
        if (frame[1] === 1) throw new Error('the handler failed');
        received.push({ frame, slot });
      },
    });
    sender.send([Frame.RESULT, 1, 'one'], 1);
    sender.send([Frame.RESULT, 2, 'two'], 2);
    await published();
    expect(() => receiver.drain()).toThrow('the handler failed');
    expect(Atomics.load(words, HEAD_INDEX)).not.toBe(0);
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual([[Frame.RESULT, 2, 'two']]);
    expect(Atomics.load(words, HEAD_INDEX)).toBe(Atomics.load(words, TAIL_INDEX));
    expect(receiver.broken).toBe(false);
  });

  it('says when the record at the head waits for its port message, and resolves on its arrival', async () => {
    const { sender, receiver, received, hostPort } = makeChannel();
    expect(receiver.whenReady()).toBeUndefined();
    sender.send([Frame.RESULT, 1, 'p'.repeat(SMALL)], 1);
    await published();
    const ready = receiver.whenReady();
    expect(ready).toBeInstanceOf(Promise);
    await ready;
    await portMessages(hostPort, 0);
    expect(received.map((r) => r.frame[1])).toEqual([1]);
    expect(receiver.whenReady()).toBeUndefined();
  });
});

describe('the frame receiver, from a sender that is not trusted', () => {
  const notFrames: [string, unknown, number][] = [
    ['a frame of a kind this direction does not carry (a call)', [Frame.CALL, 1, 's', 'm', []], 1],
    ['a frame of a kind this direction does not carry (a cancel)', [Frame.CANCEL, 1], 1],
    ['a frame of an unknown kind', [9, 1, 'x'], 1],
    ['a frame that names another call than its record', [Frame.RESULT, 2, 'x'], 1],
    ['a frame whose id is a string', [Frame.RESULT, '1', 'x'], 1],
    ['a value that is not a frame (a number)', 42, 1],
    ['a value that is not a frame (an object)', { 0: Frame.RESULT, 1: 1 }, 1],
    ['an empty array', [], 1],
  ];

  it.each(notFrames)('reports %s as a violation, once', async (_, value, id) => {
    const { receiver, received, violations, buffers } = makeChannel();
    forger(buffers).frame(value, id);
    receiver.drain();
    expectOneViolation(violations);
    expect(received).toEqual([]);
  });

  const junk: [string, number[]][] = [
    ['a byte msgpack never uses', [0xc1]],
    ['an array cut short', [0x93, 0x02, 0x01]],
    ['a string longer than its record', [0xdb, 0x7f, 0xff, 0xff, 0xff, 0x61]],
    ['an array of 2^32 - 1 elements', [0xdd, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['an extension of unknown type', [0x93, 0x02, 0x01, 0xd4, 0x01, 0x00]],
    ['bytes left over after the frame', [0x93, 0x02, 0x01, 0xc0, 0xc0]],
    ['nested arrays past any stack', new Array<number>(INLINE_MAX_BYTES).fill(0x91)],
  ];

  it.each(junk)('reports %s as a frame that does not decode', async (_, bytes) => {
    const { receiver, received, violations, buffers } = makeChannel();
    const payload = new Uint8Array(bytes);
    forger(buffers).record(RecordKind.FRAME, Placement.INLINE, 1, payload.length, 0, payload);
    receiver.drain();
    expectOneViolation(violations);
    expect(received).toEqual([]);
  });

  const badBatches: [string, (forge: ReturnType<typeof forger>) => void][] = [
    ['a batch that holds fewer frames than it says', (f) => f.batch([[Frame.RESULT, 1, 'a']], 2)],
    [
      'a batch that holds more frames than it says',
      (f) =>
        f.batch(
          [
            [Frame.RESULT, 1, 'a'],
            [Frame.RESULT, 2, 'b'],
            [Frame.RESULT, 3, 'c'],
          ],
          2,
        ),
    ],
    ['a batch of one frame', (f) => f.batch([[Frame.RESULT, 1, 'a']])],
    ['a batch of no frames', (f) => f.batch([], 0)],
    [
      'a batch with a frame whose id is a string',
      (f) =>
        f.batch([
          [Frame.RESULT, 1, 'a'],
          [Frame.RESULT, '2', 'b'],
        ]),
    ],
    [
      'a batch with a frame whose id is negative',
      (f) =>
        f.batch([
          [Frame.RESULT, 1, 'a'],
          [Frame.RESULT, -2, 'b'],
        ]),
    ],
    ['a batch with a value that is not a frame', (f) => f.batch([[Frame.RESULT, 1, 'a'], 'b'])],
    [
      'a batch with a frame of a kind this direction does not carry',
      (f) =>
        f.batch([
          [Frame.RESULT, 1, 'a'],
          [Frame.CALL, 2, 's', 'm', []],
        ]),
    ],
    [
      'a batch that does not decode',
      (f) => {
        const junk = Buffer.concat(
          [0x93, 0x02, 0x01].map((x) => lengthPrefixed(new Uint8Array([x]))),
        );
        f.record(RecordKind.FRAMES, Placement.INLINE, 3, junk.length, 0, junk);
      },
    ],
    [
      // A bundle whose length is negative sends a decoder that reads values one after
      // another back over the same bytes, for ever: each frame is decoded on its own.
      'a batch with a bundle that points back before itself',
      (f) => {
        const loop = lengthPrefixed(
          new Uint8Array([0xa0, 0xa0, 0xd6, 0x62, 0xff, 0xff, 0xff, 0xfc, 0xc0]),
        );
        const bytes = Buffer.concat([loop, loop]);
        f.record(RecordKind.FRAMES, Placement.INLINE, 2, bytes.length, 0, bytes);
      },
    ],
    [
      'a batch whose frame says it is longer than the batch',
      (f) => {
        const frame = createStreamEncoder().encode([Frame.RESULT, 1, 'a'], false);
        const bytes = Buffer.concat([lengthPrefixed(frame), lengthPrefixed(frame, 1_000)]);
        f.record(RecordKind.FRAMES, Placement.INLINE, 2, bytes.length, 0, bytes);
      },
    ],
    [
      'a batch whose frame says it is shorter than it is',
      (f) => {
        const frame = createStreamEncoder().encode([Frame.RESULT, 1, 'abc'], false);
        const bytes = Buffer.concat([lengthPrefixed(frame, 3), lengthPrefixed(frame)]);
        f.record(RecordKind.FRAMES, Placement.INLINE, 2, bytes.length, 0, bytes);
      },
    ],
    [
      'a batch with bytes left over after its frames',
      (f) => {
        const frame = createStreamEncoder().encode([Frame.RESULT, 1, 'a'], false);
        const bytes = Buffer.concat([
          lengthPrefixed(frame),
          lengthPrefixed(frame),
          Buffer.from([0, 0]),
        ]);
        f.record(RecordKind.FRAMES, Placement.INLINE, 2, bytes.length, 0, bytes);
      },
    ],
    [
      'a batch that says it holds four billion frames',
      (f) =>
        f.batch(
          [
            [Frame.RESULT, 1, 'a'],
            [Frame.RESULT, 2, 'b'],
          ],
          0xffffffff,
        ),
    ],
    [
      'a batch larger than any sender makes',
      (f) => {
        const big = new Uint8Array(INLINE_MAX_BYTES + 8).fill(0xc0);
        f.record(RecordKind.FRAMES, Placement.INLINE, big.length, big.length, 0, big);
      },
    ],
  ];

  it.each(badBatches)(
    'reports %s as a violation, and hands over none of its frames',
    async (_, forge) => {
      const { receiver, received, violations, buffers } = makeChannel();
      forge(forger(buffers));
      receiver.drain();
      expectOneViolation(violations);
      expect(received).toEqual([]);
    },
  );

  it('reports junk in the arena as a frame that does not decode, and frees its slot', async () => {
    const { receiver, violations, buffers, arena } = makeChannel();
    const junkBytes = new Uint8Array(INLINE_MAX_BYTES + 8).fill(0xc1);
    const position = new ArenaWriter(buffers.arena, buffers.results).put(junkBytes);
    forger(buffers).record(RecordKind.FRAME, Placement.ARENA, 1, position, junkBytes.length);
    receiver.drain();
    expectOneViolation(violations);
    expect(arena.bytesInUse).toBe(0);
  });

  it('reports an arena record on a channel without an arena', async () => {
    const { receiver, violations, buffers } = makeChannel({ withArena: false });
    forger(buffers).record(RecordKind.BYTES, Placement.ARENA, 1, 0, 64);
    receiver.drain();
    expectOneViolation(violations);
  });

  it('reports an arena slot out of place, and a record out of bounds', async () => {
    const first = makeChannel();
    forger(first.buffers).record(RecordKind.BYTES, Placement.ARENA, 1, 8, 64);
    first.receiver.drain();
    expectOneViolation(first.violations);

    const second = makeChannel();
    Atomics.store(second.words, TAIL_INDEX, SMALL * 2);
    second.receiver.drain();
    expectOneViolation(second.violations);
    expect(second.receiver.whenReady()).toBeUndefined();
  });

  it('reports a violation once and takes nothing more, honest frames included', async () => {
    const { sender, receiver, received, violations, buffers, words } = makeChannel();
    sender.send([Frame.RESULT, 1, 'before'], 1);
    await published();
    const head = forger(buffers);
    head.record(RecordKind.FRAME, Placement.INLINE, 2, 1, 0, new Uint8Array([0xc1]));
    head.frame([Frame.RESULT, 3, 'after'], 3);
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual([[Frame.RESULT, 1, 'before']]);
    expectOneViolation(violations);
    const released = Atomics.load(words, HEAD_INDEX);
    receiver.drain();
    expect(receiver.whenReady()).toBeUndefined();
    expect(receiver.broken).toBe(true);
    expect(received).toHaveLength(1);
    expect(violations).toHaveLength(1);
    // The broken side leaves the ring's control words alone.
    expect(Atomics.load(words, HEAD_INDEX)).toBe(released);
  });

  it('throws the violation from drain when nobody is told of it', async () => {
    const { receiver, buffers } = makeChannel({ onViolation: undefined });
    forger(buffers).record(RecordKind.FRAME, Placement.INLINE, 1, 1, 0, new Uint8Array([0xc1]));
    expect(() => receiver.drain()).toThrow(expect.objectContaining({ code: codes.PROTOCOL }));
    expect(receiver.broken).toBe(true);
    receiver.drain();
  });

  const notBytes: [string, unknown][] = [
    ['a string', 'bytes'],
    ['a number', 7],
    ['null', null],
    ['an object', { byteLength: 3 }],
    ['an array', [1, 2, 3]],
    ['an ArrayBuffer', new ArrayBuffer(8)],
    ['a typed array of another kind', new Int16Array(4)],
    ['a view on shared memory', new Uint8Array(new SharedArrayBuffer(8))],
  ];

  it.each(notBytes)('reports a port message that is %s', async (_, message) => {
    const { receiver, violations, port, hostPort } = makeChannel();
    port.postMessage(message);
    await portMessages(hostPort);
    expectOneViolation(violations);
    expect(receiver.broken).toBe(true);
  });

  it('reports a port message whose length is not its record’s', async () => {
    const { receiver, received, violations, port, hostPort, buffers } = makeChannel();
    forger(buffers).record(RecordKind.BYTES, Placement.PORT, 1, 9, 0);
    receiver.drain();
    expect(violations).toEqual([]);
    port.postMessage(new Uint8Array(8));
    await portMessages(hostPort);
    expectOneViolation(violations);
    expect(received).toEqual([]);
  });

  it('reports more port messages than a sender keeps in flight, without holding them all', async () => {
    const { violations, port, hostPort } = makeChannel();
    for (let i = 0; i < 1_100; i += 1) port.postMessage(new Uint8Array(1));
    await portMessages(hostPort, 1_100);
    expectOneViolation(violations);
  });

  it('takes port messages that arrive before their records', async () => {
    const { receiver, received, violations, port, hostPort, buffers } = makeChannel();
    port.postMessage(new Uint8Array([1, 2]));
    await portMessages(hostPort);
    forger(buffers).record(RecordKind.BYTES, Placement.PORT, 1, 2, 0);
    receiver.drain();
    expect(received.map((r) => r.frame)).toEqual([[Frame.RESULT, 1, new Uint8Array([1, 2])]]);
    expect(violations).toEqual([]);
  });
});

describe('the frame sender, to a receiver that is not trusted', () => {
  it('reports an impossible HEAD once, throws it from that send, and sends nothing more', () => {
    const buffers = createSharedBuffers(SMALL, SMALL);
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    const violations: unknown[] = [];
    const sender = new FrameSender(new RingWriter(buffers.results), port2, undefined, (error) =>
      violations.push(error),
    );
    Atomics.store(new Int32Array(buffers.results), HEAD_INDEX, 64);
    expect(() => sender.send([Frame.RESULT, 1, 'x'], 1)).toThrow(
      expect.objectContaining({ code: codes.PROTOCOL }),
    );
    expectOneViolation(violations);
    sender.send([Frame.RESULT, 2, 'y'], 2);
    sender.sendBytes(3, new Uint8Array(1));
    expect(violations).toHaveLength(1);
    expect(sender.queued).toBe(0);
    expect(Atomics.load(new Int32Array(buffers.results), TAIL_INDEX)).toBe(0);
  });

  it('reports an impossible HEAD met as it writes a batch at the end of the tick, and throws nothing there', async () => {
    const buffers = createSharedBuffers(SMALL, SMALL);
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    const violations: unknown[] = [];
    const sender = new FrameSender(new RingWriter(buffers.results), port2, undefined, (error) =>
      violations.push(error),
    );
    sender.send([Frame.RESULT, 1, 'x'], 1);
    sender.send([Frame.RESULT, 2, 'y'], 2);
    sender.send([Frame.RESULT, 3, 'z'], 3);
    Atomics.store(new Int32Array(buffers.results), HEAD_INDEX, 64);
    // The batch is written by the publish microtask: a throw there would be uncaught.
    await published();
    expectOneViolation(violations);
    expect(Atomics.load(new Int32Array(buffers.results), TAIL_INDEX)).toBe(0);
  });

  it('keeps records in order in its queue while the ring is full, and sends them as space comes', async () => {
    const { sender, receiver, received } = makeChannel();
    const chunk = 'c'.repeat(INLINE_MAX_BYTES - 64);
    for (let id = 1; id <= 8; id += 1) sender.send([Frame.RESULT, id, chunk], id);
    expect(sender.queued).toBeGreaterThan(0);
    for (let turn = 0; turn < 20 && received.length < 8; turn += 1) {
      // The sender's wait for space ends on a turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      receiver.drain();
    }
    expect(received.map((r) => r.frame[1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(sender.queued).toBe(0);
  });

  it('waits for the receiver without spinning while a queued record does not fit', async () => {
    class CountingWriter extends RingWriter {
      attempts = 0;
      override write(...args: Parameters<RingWriter['write']>): boolean {
        this.attempts += 1;
        return super.write(...args);
      }
    }
    const buffers = createSharedBuffers(1 << 16, SMALL);
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    const writer = new CountingWriter(buffers.results);
    // 128 bytes left before the end: a small frame's record skips them and needs 128 more.
    const fill = new Uint8Array((1 << 16) - 128 - RECORD_HEADER_BYTES);
    writer.write(RecordKind.FRAME, Placement.INLINE, 1, fill.length, 0, fill);
    const sender = new FrameSender(writer, port2);
    sender.send([Frame.RESULT, 2, 'x'.repeat(100)], 2);
    expect(sender.queued).toBe(1);
    for (let i = 0; i < 100; i += 1) await null;
    const attempts = writer.attempts;
    // Closed first: a spinning sender would otherwise hold the thread after a failure.
    sender.close();
    expect(attempts).toBeLessThanOrEqual(3);
  });
});
