/**
 * The vocabulary of pool isolation, shared by the host (src/isolation/pool-runtime.ts)
 * and the task module piscina runs in every pool thread (workers/pool-worker.ts).
 *
 *   host                                        each pool thread
 *   ────                                        ────────────────
 *   new Piscina({workerData: PoolBoot})   ──▶   the task module loads
 *        ◀── HELLO {protocol, threadId}           (parentPort, relayed by piscina)
 *   BOOT {threadId, services} (broadcast) ──▶   import the plugin, start an instance
 *        ◀── THREAD_READY {methods, liveness} | THREAD_FAILED {error}
 *   pool.run(PoolTask)  ═══ piscina ═══▶        service.method(ctx, ...args)
 *        ◀═══ [true, value] | [false, wireError]   (carried as Carried says)
 *   CANCEL {id} (broadcast)               ──▶   aborts that call's ctx.signal
 *   REQUEST {requestId, threadId, op}     ──▶   health | configure | stop, to one thread
 *        ◀── REPLY {requestId, threadId, ok, value | error}
 *        ◀── LOGS {lines, dropped}                pino records from the plugin, batched
 *
 * piscina cannot address one thread, so whatever every thread must hear travels on a
 * BroadcastChannel named in the boot; answers come back on each thread's parentPort.
 *
 * Liveness: each thread makes one SharedArrayBuffer of Int32 slots and hands it over in
 * THREAD_READY; the host reads it without asking the thread anything.
 *
 *   ┌───────────┬───────────┬───────────┬───┐
 *   │ HEARTBEAT │ RUNNING 0 │ RUNNING 1 │ … │   HEARTBEAT: heartbeat.ts (bumped by a timer)
 *   └───────────┴───────────┴───────────┴───┘   RUNNING i: id of a call the thread is
 *                                                running, 0 when the slot is free
 * so a thread that dies or hangs names the calls it takes with it.
 */
import { Packr } from 'msgpackr';
import type { WireError } from '../wire-error.js';
import { HEARTBEAT_INDEX } from './heartbeat.js';
import type { LogLimits } from './log-sink.js';
import {
  plainBytes,
  mayHoldUnknownTypedArray,
  refuseUnknownTypedArray,
  unencodableError,
  valueOptions,
} from './value-model.js';
import type { PluginBoot, ServiceMethods } from './wire.js';

/** Bumped on any incompatible change to the messages below. */
export const POOL_WIRE_VERSION = 3;

/** What every pool thread is given (piscina's `workerData`). */
export interface PoolBoot {
  protocol: number;
  /** The plugin; its services' config comes in BOOT, which carries the config in force. */
  plugin: PluginBoot;
  logLevel: string;
  logLimits: LogLimits;
  /** The name of the runtime's BroadcastChannel. */
  channel: string;
  heartbeatIntervalMs: number;
  /** Calls one thread runs at once (piscina's `concurrentTasksPerWorker`). */
  tasksPerThread: number;
  /** The names of the thread's environment; it drops any other (as WorkerBoot.envNames). */
  envNames: string[];
}

/** One call, as piscina hands it to a thread. */
export interface PoolTask {
  /** Never 0: 0 marks a free RUNNING slot. */
  id: number;
  service: string;
  method: string;
  /** The arguments, carried as {@link PoolCodec} carries values. */
  args: Carried;
  /** Epoch ms after which the host no longer waits for the answer; 0 for none. */
  deadline: number;
}

/** Requests every thread answers. */
export const PoolOp = {
  HEALTH: 'health',
  /** args: [service, config]; see PluginInstance.configure. */
  CONFIGURE: 'configure',
  /** Runs `onStop`; the thread serves nothing afterwards. */
  STOP: 'stop',
} as const;
export type PoolOpName = (typeof PoolOp)[keyof typeof PoolOp];

/** Host to threads, on the BroadcastChannel. */
export type PoolBroadcast =
  | { type: 'BOOT'; threadId: number; services: PluginBoot['services'] }
  | { type: 'CANCEL'; id: number; forgetAt: number }
  /** To thread `threadId` alone: each thread's handle asks it, and hears its REPLY. */
  | { type: 'REQUEST'; requestId: number; threadId: number; op: PoolOpName; args: unknown[] };

/** A thread to the host, on its parentPort (piscina re-emits them as 'message'). */
export type PoolThreadMessage =
  | { type: 'HELLO'; protocol: number; threadId: number }
  | {
      type: 'THREAD_READY';
      threadId: number;
      methods: ServiceMethods;
      liveness: SharedArrayBuffer;
    }
  | { type: 'THREAD_FAILED'; threadId: number; error: WireError }
  | { type: 'REPLY'; requestId: number; threadId: number; ok: true; value: unknown }
  | { type: 'REPLY'; requestId: number; threadId: number; ok: false; error: WireError }
  | { type: 'LOGS'; lines: string[]; dropped: number };

/** Slot of the first RUNNING word; the heartbeat sits before it. */
export const RUNNING_INDEX = HEARTBEAT_INDEX + 1;

/** Allocates one thread's liveness buffer, with a RUNNING slot per concurrent call. */
export function createPoolLiveness(tasksPerThread: number): SharedArrayBuffer {
  return new SharedArrayBuffer((RUNNING_INDEX + tasksPerThread) * Int32Array.BYTES_PER_ELEMENT);
}

/** Thread side: records `id` in a free RUNNING slot; returns the slot, or -1 if none is free. */
export function claimRunningSlot(liveness: SharedArrayBuffer, id: number): number {
  const words = new Int32Array(liveness);
  for (let slot = RUNNING_INDEX; slot < words.length; slot += 1) {
    if (Atomics.compareExchange(words, slot, 0, id) === 0) return slot;
  }
  return -1;
}

/** Thread side: frees a slot from {@link claimRunningSlot} (a -1 is ignored). */
export function releaseRunningSlot(liveness: SharedArrayBuffer, slot: number): void {
  if (slot >= RUNNING_INDEX) Atomics.store(new Int32Array(liveness), slot, 0);
}

/** Host side: the ids of the calls the thread is running now. */
export function readRunningCalls(liveness: SharedArrayBuffer): number[] {
  const words = new Int32Array(liveness);
  const ids: number[] = [];
  for (let slot = RUNNING_INDEX; slot < words.length; slot += 1) {
    const id = Atomics.load(words, slot);
    if (id !== 0) ids.push(id);
  }
  return ids;
}

/**
 * An array (a call's arguments, a call's outcome) as piscina carries it between threads:
 * msgpack bytes, or, when those are small, the array decoded from them.
 */
export type Carried = Uint8Array | unknown[];

/** Encodings below this many bytes travel decoded (see {@link createPoolCodec}). */
export const INLINE_BYTES = 2048;

/**
 * What a carried array holds, to name the path of a refusal: a call's arguments
 * (`args[0].handler`), or an outcome `[ok, value]` (`result.items[3]`, `error.data`).
 */
export type CarriedRoot = 'args' | 'outcome';

/** Puts arrays in the form piscina carries best, and takes them out again. */
export interface PoolCodec {
  /**
   * `array` through msgpack, with thread isolation's value model (value-model.ts). Throws
   * BERTH_ERR_UNENCODABLE naming the path of what it refuses (a function, a symbol, a
   * cycle). Bytes are a fresh copy the caller owns, so they may be transferred.
   */
  carry(array: unknown[], root: CarriedRoot): Carried;
  /** The array a {@link carry} made. */
  uncarry(carried: Carried): unknown[];
}

/**
 * How an Error starts in msgpack (msgpackr's `moreTypes` extension 0x65). An encoding that
 * holds one travels as bytes: structured clone would keep only the standard error names
 * (a RangeError stays one, an error named `BerthError` becomes `Error`), so a decoded
 * Error would not reach the other side as thread isolation delivers it. The sequence may
 * also turn up inside other data; such a value just travels as bytes.
 */
const ERROR_EXTENSION = Buffer.from([0xd4, 0x65, 0x00]);

/**
 * Makes a codec: msgpackr with records, each message self-contained. Measured against
 * piscina's structured clone (2-core machine, one thread, p50): 1,000 resources 1.6-4.6 ms
 * against 5.6-15 ms. Every value is encoded, so a value it cannot hold fails one call, not
 * the thread (a clone error inside piscina's worker kills it), and values come out as in
 * thread isolation. Small encodings travel decoded: posting a typed array costs 6-15 µs
 * more than posting a small plain value (its buffer is serialised and allocated anew),
 * more than decoding it twice. What structured clone then does to the decoded value is
 * what thread isolation's decoder does too, but for Errors (see {@link ERROR_EXTENSION}).
 */
export function createPoolCodec(): PoolCodec {
  const packr = new Packr(valueOptions());
  // Read by msgpackr as it meets each byte array.
  const options = packr as { copyBuffers?: boolean };
  return {
    carry(array, root) {
      let view: Buffer;
      let decoded: unknown[] | undefined;
      try {
        // pack() returns a view on the packr's own buffer, reused by the next pack.
        view = packr.pack(array);
        if (view.byteLength < INLINE_BYTES && view.indexOf(ERROR_EXTENSION) === -1) {
          // Byte arrays copied out, so that a clone of one copies it, not the packr's buffer.
          options.copyBuffers = true;
          decoded = packr.unpack(plainBytes(view)) as unknown[];
        }
      } catch (error) {
        throw unencodableError(...carriedPart(array, root), error);
      }
      if (decoded !== undefined) return decoded;
      // Decoded on the other side only: what it could not read back is refused here.
      if (mayHoldUnknownTypedArray(view)) refuseUnknownTypedArray(...carriedPart(array, root));
      return new Uint8Array(view);
    },
    uncarry(carried) {
      if (!(carried instanceof Uint8Array)) return carried;
      options.copyBuffers = false;
      // A thread is not trusted to send its own bytes: msgpackr's native string extraction
      // crashes the process (SIGSEGV) on a view of a SharedArrayBuffer, so such bytes are
      // decoded from a copy (shared-channel.ts refuses them on the data port).
      const own = carried.buffer instanceof SharedArrayBuffer ? carried.slice() : carried;
      return packr.unpack(plainBytes(own)) as unknown[];
    },
  };
}

/** The part of a carried array that holds values, and the root a refusal's path names. */
function carriedPart(array: unknown[], root: CarriedRoot): [unknown, string] {
  if (root === 'args') return [array, 'args'];
  return [array[1], array[0] === true ? 'result' : 'error'];
}
