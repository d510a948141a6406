/**
 * What the host end of the data plane (call-client.ts) promises: how a call may end
 * early, what the client guarantees, and what it is made from.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { BerthError } from '../errors.js';
import type { SharedBuffers } from './shared-layout.js';

/** How one call may end early, and how its result comes back. */
export interface CallOptions {
  /** The caller gives up when it fires: BERTH_ERR_CALL_ABORTED. */
  signal?: AbortSignal | undefined;
  /** The call's deadline: BERTH_ERR_CALL_TIMEOUT after this many ms. */
  timeoutMs?: number | undefined;
  /**
   * Resolve with a {@link Lease} whose value's byte arrays are views on the arena
   * (released by the caller) instead of a value that is safe to keep forever.
   */
  zeroCopy?: boolean | undefined;
}

/** Arena figures of one worker's data plane. */
export interface DataPlaneStats {
  /** Arena bytes held by unreleased leases (and the slots queued behind them). */
  arenaBytesInUse: number;
  arenaCapacity: number;
}

/** Sends calls to one worker. */
export interface CallClient {
  /**
   * Sends one call. Rejects with the plugin's error rebuilt from the wire (a BerthError
   * when it carried a Berth code), BERTH_ERR_UNENCODABLE when `args` cannot be encoded,
   * BERTH_ERR_CALL_ABORTED when the signal fires first, or BERTH_ERR_CALL_TIMEOUT at the
   * deadline. Abort and timeout also cancel the call on the worker side.
   */
  call(service: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown>;
  /** Rejects every call in flight with the error `makeError` returns; new calls still work. */
  rejectAll(makeError: () => Error): void;
  /** Calls sent and not yet settled. */
  readonly inFlight: number;
  /** Resolves when no call is in flight (at once if none is). */
  whenIdle(): Promise<void>;
  readonly stats: DataPlaneStats;
  /** Stops receiving; calls in flight are not settled by this (use rejectAll first). */
  close(): void;
}

/** What the host end is made from: the worker's buffers and the fallback port. */
export interface CallClientOptions {
  buffers: SharedBuffers;
  port: MessagePort;
  plugin: string;
  logger?: Logger | undefined;
  /** How long to look for results between event-loop turns before sleeping (µs); default 0. */
  pollUs?: number | undefined;
  /** How a call's error reaches its caller (call-error.ts); default unchanged. */
  present?: ((error: unknown, service: string, method: string) => unknown) | undefined;
  /**
   * Told once when the worker breaks the data-plane protocol (BERTH_ERR_PROTOCOL): the
   * client has stopped receiving, and rejects with that error whatever is still in flight
   * once this returns. The worker is the runtime's to end.
   */
  onViolation?: ((error: BerthError) => void) | undefined;
}
