/**
 * A seeded fuzz of the host's receiving end of the data plane, without threads: a worker
 * side (RingWriter, ArenaWriter, FrameSender) and the host side (FrameReceiver over a
 * RingReader and an ArenaReader) share real buffers and a MessageChannel. Each case sends
 * honest frames (which must all arrive, as sent), then corrupts what a hostile worker can
 * reach: bytes of the results ring (control words included), forged records and TAIL
 * advances, arena positions and lengths, arena bytes, junk on the port, msgpack-ish junk
 * as payloads. The property, whatever was done:
 *
 *   - drain (and the port's listener) throws nothing: a violation is reported through
 *     onViolation, at most once, as a BerthError with code BERTH_ERR_PROTOCOL, and no
 *     frame is delivered after it;
 *   - every frame delivered is an array of an accepted kind whose id is its record's;
 *   - no byte array delivered views shared memory other than a zero-copy slot of the
 *     arena, and no view is made past the arena's end;
 *   - nothing hangs (the reader is peeked a bounded number of times).
 *
 *   BERTH_FUZZ_CASES=200000 npx vitest run test/unit/transport/receiver-fuzz.test.ts
 *   BERTH_FUZZ_SEED=<seed>  npx vitest run test/unit/transport/receiver-fuzz.test.ts
 *
 * The second replays one case: a failure names its seed.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import { RingReader, RingWriter, type RecordView } from '../../../src/transport/record-ring.js';
import { ArenaReader, ArenaWriter, type ArenaSlot } from '../../../src/transport/result-arena.js';
import { FrameReceiver, FrameSender } from '../../../src/transport/shared-channel.js';
import {
  ARENA_TAIL_INDEX,
  CONTROL_BYTES,
  HEAD_INDEX,
  INLINE_MAX_BYTES,
  Placement,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
  createSharedBuffers,
} from '../../../src/transport/shared-layout.js';
import { Frame, type AnyFrame } from '../../../src/transport/wire.js';
import { seededRandom as mulberry32 } from '../../support/seeded-random.js';

/** About five seconds on a shared two-core machine. */
const DEFAULT_CASES = 1_500;
const CASES = Number(process.env['BERTH_FUZZ_CASES'] ?? DEFAULT_CASES);
const REPLAY = process.env['BERTH_FUZZ_SEED'];
/** Seeds are FIRST_SEED, FIRST_SEED + 1, …: the same cases on every run. */
const FIRST_SEED = 0x5eed0000;
/** Rings and arena of 128 KiB: every inline record fits in half a ring, and ends come often. */
const BYTES = 1 << 17;
const ACCEPTS = [Frame.RESULT, Frame.FAILURE];
/** More peeks than any case's records: past it, drain is taken to spin. */
const PEEK_LIMIT = 200_000;

interface Random {
  (): number;
  int(n: number): number;
  u32(): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Uint8Array;
}

function random(seed: number): Random {
  const next = mulberry32(seed);
  const r = (() => next()) as Random;
  r.int = (n) => Math.floor(next() * n);
  r.u32 = () => Math.floor(next() * 2 ** 32) >>> 0;
  r.chance = (p) => next() < p;
  r.pick = (items) => items[Math.floor(next() * items.length)] as (typeof items)[number];
  r.bytes = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) out[i] = Math.floor(next() * 256);
    return out;
  };
  return r;
}

/** msgpackr extension types worth meeting: its own (records, bundles, typed arrays, …) and others. */
const EXTENSIONS = [0x00, 0x01, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff];

/** Bytes that are msgpack more often than not, with lengths that lie now and then. */
function msgpackish(r: Random, out: number[], depth: number): void {
  const length = (): number =>
    r.chance(0.85) ? r.int(12) : r.pick([0xff, 0xffff, 0xffffffff, r.u32(), 1 << 16]);
  const push32 = (n: number): void => {
    out.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  };
  const children = (n: number): void => {
    for (let i = 0; i < Math.min(n, 8) && depth < 6; i += 1) msgpackish(r, out, depth + 1);
  };
  switch (r.int(14)) {
    case 0:
      out.push(r.int(0x80)); // fixint, and the structure references 0x40-0x7f
      return;
    case 1: {
      const n = r.int(16);
      out.push(0x90 | n);
      children(n);
      return;
    }
    case 2: {
      const n = r.int(16);
      out.push(0x80 | n);
      children(2 * n);
      return;
    }
    case 3: {
      const n = r.int(32);
      out.push(0xa0 | n, ...r.bytes(r.chance(0.9) ? n : r.int(40)));
      return;
    }
    case 4:
      out.push(r.pick([0xc0, 0xc1, 0xc2, 0xc3]));
      return;
    case 5: {
      // bin, str, array, map with 8, 16 or 32-bit lengths
      const token = r.pick([0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf]);
      const n = length();
      out.push(token);
      if (token === 0xc4 || token === 0xd9) out.push(n & 0xff);
      else if (token === 0xc5 || token === 0xda || token === 0xdc || token === 0xde)
        out.push((n >>> 8) & 0xff, n & 0xff);
      else push32(n);
      if (token >= 0xdc) children(n);
      else out.push(...r.bytes(Math.min(n, 64)));
      return;
    }
    case 6: {
      // fixext 1-16 of an interesting type
      const size = r.pick([1, 2, 4, 8, 16]);
      out.push(0xd4 + Math.log2(size), r.pick(EXTENSIONS), ...r.bytes(size));
      return;
    }
    case 7: {
      // ext 8/16/32
      const n = length();
      const token = r.pick([0xc7, 0xc8, 0xc9]);
      out.push(token);
      if (token === 0xc7) out.push(n & 0xff);
      else if (token === 0xc8) out.push((n >>> 8) & 0xff, n & 0xff);
      else push32(n);
      out.push(r.pick(EXTENSIONS), ...r.bytes(Math.min(n, 64)));
      return;
    }
    case 8: {
      // a record definition (sequential mode): id, keys, then the values
      const keys = r.int(4);
      out.push(0xd4, 0x72, 0x40 + r.int(64), 0x90 | keys);
      for (let i = 0; i < keys; i += 1) out.push(0xa1, 0x61 + r.int(26));
      children(keys);
      return;
    }
    case 9:
      // numbers: float32/64, uint8-64, int8-64
      out.push(0xca + r.int(10), ...r.bytes(8));
      return;
    case 10:
      out.push(0xe0 + r.int(32));
      return;
    default:
      out.push(r.int(256));
  }
}

/** Junk for a payload: often a frame's start (so that it may get as far as the checks). */
function junkFrame(r: Random, id: number): Uint8Array {
  const out: number[] = [];
  if (r.chance(0.6)) {
    out.push(0x93, r.chance(0.8) ? r.pick(ACCEPTS) : r.int(8), 0xce);
    const claimed = r.chance(0.8) ? id : r.u32();
    out.push(
      (claimed >>> 24) & 0xff,
      (claimed >>> 16) & 0xff,
      (claimed >>> 8) & 0xff,
      claimed & 0xff,
    );
  }
  const parts = 1 + r.int(3);
  for (let i = 0; i < parts; i += 1) msgpackish(r, out, 0);
  if (r.chance(0.05)) out.push(...r.bytes(r.int(INLINE_MAX_BYTES)));
  return Uint8Array.from(out.slice(0, 4 * INLINE_MAX_BYTES));
}

/** An honest frame's value: what plugins return, small or not. */
function honestValue(r: Random, size: number): unknown {
  switch (r.int(6)) {
    case 0:
      return r.int(1_000_000) - 500_000;
    case 1:
      return 'v'.repeat(size);
    case 2:
      return { name: `item-${r.int(100)}`, labels: { tier: r.pick(['a', 'b']) }, size };
    case 3:
      return [1, 'two', { three: 3 }, r.bytes(Math.min(size, 64)), null, true];
    case 4:
      return { blob: r.bytes(size), when: new Date(r.int(2 ** 40)) };
    default:
      return new Map([[r.int(10), [r.int(10)]]]);
  }
}

/** The host's reader, watched: the id of each record consumed, and a bound on peeks. */
class WatchedReader extends RingReader {
  peeks = 0;
  #peeked: RecordView | undefined;
  consumedId: number | undefined;
  consumedKind: number | undefined;

  override peek(): RecordView | undefined {
    if (++this.peeks > PEEK_LIMIT) throw new Error(`peeked more than ${PEEK_LIMIT} times`);
    const record = super.peek();
    this.#peeked = record;
    return record;
  }

  override consume(): void {
    // The view is reused by the next peek: read it now.
    this.consumedId = this.#peeked?.id;
    this.consumedKind = this.#peeked?.kind;
    super.consume();
  }
}

/** The host's arena, watched: a view past its end is a problem, not a RangeError. */
class WatchedArena extends ArenaReader {
  readonly problems: string[] = [];

  override view(slot: ArenaSlot, length: number): Uint8Array {
    const offset = slot.start & (this.capacity - 1);
    if (!(length >= 0 && offset + length <= this.capacity)) {
      this.problems.push(`a view of ${length} bytes at ${offset} of an arena of ${this.capacity}`);
    }
    return super.view(slot, length);
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Byte arrays over shared memory in `value` (a bounded walk). */
function sharedViews(value: unknown, found: Uint8Array[], budget = { left: 5_000 }): Uint8Array[] {
  if (--budget.left < 0 || typeof value !== 'object' || value === null) return found;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof SharedArrayBuffer) found.push(value as Uint8Array);
    return found;
  }
  const children =
    value instanceof Map ? [...value.keys(), ...value.values()] : Object.values(value);
  for (const child of children) sharedViews(child, found, budget);
  return found;
}

/** What the cases came to, printed at the end: how far the hostile steps got. */
const outcomes = new Map<string, number>();
const tally = (outcome: string): void => {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
};

/** Runs one case; returns what went wrong, or undefined. */
async function runCase(seed: number): Promise<string | undefined> {
  const r = random(seed);
  const problems: string[] = [];
  const buffers = createSharedBuffers(BYTES, BYTES);
  const { port1, port2 } = new MessageChannel();
  const thrown: unknown[] = [];
  const violations: unknown[] = [];
  const received: AnyFrame[] = [];
  const held: ArenaSlot[] = [];
  const honestIds = new Set<number>();

  // Worker side, honest until it is not.
  const writer = new RingWriter(buffers.results);
  // What the honest worker meets (an impossible HEAD) is its own business: its batch may be
  // written after the step that broke the ring, from a microtask.
  const sender = new FrameSender(
    writer,
    port2,
    new ArenaWriter(buffers.arena, buffers.results),
    () => {},
  );
  const raw = new Uint8Array(buffers.results);
  const words = new Int32Array(buffers.results, 0, CONTROL_BYTES / 4);
  const header = new Uint32Array(buffers.results, CONTROL_BYTES);
  const arenaBytes = new Uint8Array(buffers.arena);
  const mask = BYTES - 1;

  // Host side. What the port's listener throws would be an uncaught exception: caught here.
  const reader = new WatchedReader(buffers.results);
  const arena = new WatchedArena(buffers.arena, buffers.results);
  const hostPort = {
    on(event: string, listener: (value: unknown) => void) {
      port1.on(event, (value: unknown) => {
        try {
          listener(value);
        } catch (error) {
          thrown.push(error);
        }
      });
      return hostPort;
    },
  } as unknown as MessagePort;
  const keepEven = r.chance(0.5);
  const receiver = new FrameReceiver({
    reader,
    port: hostPort,
    arena,
    keepsViews: (id) => keepEven && id % 2 === 0,
    accepts: ACCEPTS,
    onFrame(frame, slot) {
      if (violations.length > 0) problems.push('a frame delivered after the violation');
      if (!Array.isArray(frame) || !ACCEPTS.includes(frame[0] as 2 | 3)) {
        problems.push(`a frame of a kind not accepted: ${String(frame[0])}`);
      } else if (reader.consumedKind === RecordKind.FRAMES) {
        // A batch's frames carry their own ids: each must be one a call could have.
        if (typeof frame[1] !== 'number' || frame[1] >>> 0 !== frame[1]) {
          problems.push(`a frame from a batch for call ${String(frame[1])}`);
        }
      } else if (frame[1] !== reader.consumedId) {
        problems.push(`a frame for call ${frame[1]} from the record of ${reader.consumedId}`);
      }
      for (const view of sharedViews(frame, [])) {
        const inSlot =
          slot !== undefined &&
          view.buffer === buffers.arena &&
          view.byteOffset === (slot.start & (BYTES - 1)) &&
          view.byteOffset + view.byteLength <= BYTES;
        if (!inSlot) problems.push('a byte array on shared memory outside a slot handed over');
      }
      received.push(frame);
      if (!honestIds.has(frame[1])) tally('a forged frame delivered');
      if (slot !== undefined) {
        if (r.chance(0.5)) held.push(slot);
        else arena.free(slot);
      }
    },
    onViolation(error) {
      violations.push(error);
    },
  });
  const drain = (): void => {
    try {
      receiver.drain();
      receiver.whenReady();
    } catch (error) {
      thrown.push(error);
    }
  };

  let nextId = 1 + r.int(1_000);
  const sendHonest = (sent: AnyFrame[]): void => {
    const id = nextId++;
    honestIds.add(id);
    // Mostly small; now and then large enough for the arena, or for the port.
    const size = r.chance(0.8)
      ? r.int(200)
      : r.chance(0.7)
        ? INLINE_MAX_BYTES + r.int(BYTES / 2 - INLINE_MAX_BYTES)
        : BYTES / 2 + r.int(BYTES);
    if (r.chance(0.3)) {
      const bytes = r.bytes(size);
      sender.sendBytes(id, bytes);
      sent.push([Frame.RESULT, id, bytes]);
    } else if (r.chance(0.2)) {
      const failure = { name: 'Error', message: 'm'.repeat(size), code: 'E_PLUGIN' };
      sender.send([Frame.FAILURE, id, failure], id);
      sent.push([Frame.FAILURE, id, failure]);
    } else {
      const frame: AnyFrame = [Frame.RESULT, id, honestValue(r, size)];
      sender.send(frame, id);
      sent.push(frame);
    }
  };

  try {
    // 1. Honest frames: every one arrives, as sent, in order.
    const honest: AnyFrame[] = [];
    const count = r.int(6);
    for (let i = 0; i < count; i += 1) sendHonest(honest);
    for (let round = 0; round < 200 && received.length < honest.length; round += 1) {
      await turn();
      drain();
    }
    if (!isDeepStrictEqual(received, honest) || violations.length > 0 || thrown.length > 0) {
      problems.push(
        `honest frames: ${honest.length} sent, ${received.length} received as sent: ${isDeepStrictEqual(received, honest)}, ${violations.length} violations, ${thrown.length} thrown`,
      );
    }
    if (held.length > 0 && r.chance(0.5)) for (const slot of held.splice(0)) arena.free(slot);

    // 2. A hostile worker.
    const honestCount = received.length;
    const steps = 1 + r.int(6);
    for (let step = 0; step < steps; step += 1) {
      const tail = Atomics.load(words, TAIL_INDEX) >>> 0;
      const head = Atomics.load(words, HEAD_INDEX) >>> 0;
      switch (r.int(10)) {
        case 0:
          sendHonest([]);
          break;
        case 1: {
          // Random bytes: in the control words, among unread records, or anywhere.
          const n = 1 + r.int(8);
          for (let i = 0; i < n; i += 1) {
            const where = r.int(3);
            const at =
              where === 0
                ? r.int(CONTROL_BYTES)
                : where === 1
                  ? CONTROL_BYTES + ((head + r.int(((tail - head) >>> 0) + 32)) & mask)
                  : r.int(raw.length);
            raw[at] = r.int(256);
          }
          break;
        }
        case 2: {
          // A control word set to something interesting.
          const values = [r.u32(), tail + 8, tail + BYTES, tail + BYTES + 8, tail - 8, 0, -1];
          Atomics.store(words, r.int(7), r.pick(values) | 0);
          break;
        }
        case 3: {
          // A forged record at the tail, published by a TAIL advance of any size.
          const offset = tail & mask;
          const toEnd = BYTES - offset;
          if (toEnd < RECORD_HEADER_BYTES) {
            Atomics.store(words, TAIL_INDEX, (tail + r.pick([toEnd, 8, r.u32()])) | 0);
            break;
          }
          const size = r.pick([
            r.u32(),
            RECORD_HEADER_BYTES + 8 * r.int(16),
            toEnd,
            0,
            16,
            RECORD_HEADER_BYTES + 1 + r.int(64),
          ]);
          const kind = r.chance(0.7) ? 1 + r.int(4) : r.int(256);
          const placement = r.chance(0.7) ? 1 + r.int(3) : r.int(256);
          const at = offset >>> 2;
          header[at] = size;
          header[at + 1] = ((kind << 8) | placement) >>> 0;
          header[at + 2] = r.chance(0.5) ? nextId++ : r.u32();
          header[at + 3] = r.chance(0.5)
            ? r.int(Math.max(1, size - RECORD_HEADER_BYTES + 8))
            : r.u32();
          header[at + 4] = r.chance(0.5) ? r.int(BYTES) : r.u32();
          const advance = r.pick([size, r.int(size + 64), r.u32(), toEnd, RECORD_HEADER_BYTES]);
          Atomics.store(words, TAIL_INDEX, (tail + advance) | 0);
          break;
        }
        case 4: {
          // An arena record of a random position and length, through an honest ring writer.
          const arenaTail = Atomics.load(words, ARENA_TAIL_INDEX) >>> 0;
          const position = r.pick([
            arenaTail,
            arenaTail + 8,
            arenaTail - 8,
            (arenaTail | mask) + 1,
            0,
            BYTES,
            r.u32(),
          ]);
          const length = r.pick([
            0,
            1 + r.int(BYTES / 2),
            BYTES / 2,
            BYTES / 2 + 1,
            0xffffffff,
            r.u32(),
          ]);
          if (r.chance(0.5)) {
            const junk = junkFrame(r, nextId);
            arenaBytes.set(junk.subarray(0, BYTES - (position & mask)), position & mask);
          }
          writer.write(
            r.pick([RecordKind.FRAME, RecordKind.BYTES]),
            Placement.ARENA,
            nextId++,
            position,
            length,
          );
          writer.publish();
          break;
        }
        case 5: {
          // Random bytes in the arena (under a slot handed over, or anywhere).
          const n = 1 + r.int(32);
          const base = r.int(BYTES);
          for (let i = 0; i < n; i += 1) arenaBytes[(base + r.int(256)) & mask] = r.int(256);
          break;
        }
        case 6: {
          // Junk on the port: not bytes, shared bytes, bytes of a length no record names,
          // bytes for a record that names them, or a flood.
          const id = nextId++;
          const junk = junkFrame(r, id);
          const shared = new Uint8Array(new SharedArrayBuffer(junk.byteLength));
          shared.set(junk);
          const message = r.pick<unknown>([
            'bytes',
            r.u32(),
            null,
            { byteLength: 3 },
            [1, 2, 3],
            new ArrayBuffer(8),
            new Int16Array(4),
            shared,
            junk,
            junk,
            junk,
          ]);
          port2.postMessage(message);
          if (message === junk || message === shared || r.chance(0.2)) {
            const length = r.chance(0.8) ? junk.byteLength : r.u32();
            const kind = r.pick([RecordKind.FRAME, RecordKind.BYTES]);
            writer.write(kind, Placement.PORT, id, length, 0);
            writer.publish();
          }
          if (r.chance(0.01)) for (let i = 0; i < 1_100; i += 1) port2.postMessage(junk);
          break;
        }
        case 7: {
          // A msgpack-ish payload inline, its length told or not.
          const id = nextId++;
          const junk = junkFrame(r, id).subarray(0, INLINE_MAX_BYTES);
          const a = r.chance(0.8) ? junk.byteLength : r.pick([junk.byteLength + 8, r.u32()]);
          // A batch's id is how many frames it holds: the truth now and then.
          const kind = r.pick([RecordKind.FRAME, RecordKind.BYTES, RecordKind.FRAMES]);
          const told = kind === RecordKind.FRAMES ? r.pick([0, 1, 2, 3, r.u32()]) : id;
          writer.write(kind, Placement.INLINE, told, a, 0, junk);
          writer.publish();
          break;
        }
        case 8: {
          // A reset: mostly as an honest sender writes it, now and then of another placement.
          const honestReset = r.chance(0.8);
          const placement = honestReset ? Placement.INLINE : r.pick([2, 3]);
          writer.write(RecordKind.RESET, placement, 0, honestReset ? 0 : r.u32(), r.u32());
          writer.publish();
          break;
        }
        default:
          // A drain mid-way, as the doorbell may ring at any time.
          await null;
          drain();
      }
    }
    await null;
    drain();
    for (let i = 0; i < 3; i += 1) await turn();
    drain();
    for (const slot of held.splice(0)) arena.free(slot);
    if (received.length > honestCount) tally('frames delivered after the hostile steps');
  } catch (error) {
    // A hostile step may make the honest writer throw (an impossible HEAD): that is the
    // worker's business, not the receiver's. Anything else thrown here is a problem.
    if (!(error instanceof BerthError && error.code === codes.PROTOCOL)) thrown.push(error);
  } finally {
    sender.close();
    port1.close();
    port2.close();
  }

  for (const error of thrown) {
    problems.push(
      `thrown: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  const detail = (violations[0] as BerthError | undefined)?.data?.['detail'];
  tally(
    typeof detail === 'string'
      ? `violation: ${detail.replace(/\d+/g, 'N').replace(/\(.*\)/, '(…)')}`
      : 'no violation',
  );
  if (violations.length > 1) problems.push(`${violations.length} violations reported`);
  for (const violation of violations) {
    if (!(violation instanceof BerthError) || violation.code !== codes.PROTOCOL) {
      problems.push(`a violation that is not BERTH_ERR_PROTOCOL: ${String(violation)}`);
    }
  }
  if (arena.bytesInUse > BYTES) problems.push(`${arena.bytesInUse} arena bytes in use`);
  problems.push(...arena.problems);
  return problems.length === 0 ? undefined : problems.join('; ');
}

describe('the host receiving end, fuzzed', () => {
  const seeds =
    REPLAY === undefined
      ? Array.from({ length: CASES }, (_, i) => (FIRST_SEED + i) >>> 0)
      : [Number(REPLAY) >>> 0];

  it(`never throws, reports a violation once with BERTH_ERR_PROTOCOL, and delivers only frames it accepts (${seeds.length} seeded cases)`, async () => {
    const failures: string[] = [];
    const started = performance.now();
    for (const seed of seeds) {
      const problem = await runCase(seed);
      if (problem !== undefined)
        failures.push(`seed ${seed} (BERTH_FUZZ_SEED=${seed}): ${problem}`);
      if (failures.length >= 10) break;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const seen = [...outcomes].sort((a, b) => b[1] - a[1]).map(([what, n]) => `  ${n}  ${what}`);
    console.log(`receiver fuzz: ${seeds.length} cases in ${seconds} s\n${seen.join('\n')}`);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 3_600_000);
});
