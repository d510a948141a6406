/**
 * What the bench suite measures: a transport is one way of asking another party (or the
 * same thread) for a payload and getting it back.
 */
import type { PayloadName } from './payloads.js';

/** One transport under test. */
export interface Transport {
  /** The name in the report: `comlink`, `berth thread`, … */
  readonly name: string;
  /** Starts whatever serves the calls (a worker, a child process, a server). */
  open(): Promise<void>;
  /** Asks for the payload `payload` for call `id`; resolves with the decoded result. */
  call(payload: PayloadName, id: number): Promise<unknown>;
  /** Stops everything `open` started. Safe to call twice, and after a failed open. */
  close(): Promise<void>;
  /**
   * For results that hold something until released (a zero-copy lease): makes call `id`,
   * hands its value to `check`, then releases it, all before resolving, so the release is
   * inside the timed call. Without it the harness checks what `call` resolves with.
   */
  consume?(payload: PayloadName, id: number, check: (value: unknown) => void): Promise<void>;
  /** The child processes that serve the calls, whose CPU time counts to each call. */
  childPids?(): number[];
  /**
   * Rejects when the serving side dies, for transports whose own calls would then never
   * settle: the harness races each whole measurement (not each call) against it.
   */
  readonly failed?: Promise<never>;
}

/** A promise that rejects when `fail` is called, without an unhandled rejection if nobody waits. */
export function failureSignal(): { failed: Promise<never>; fail(error: Error): void } {
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  return { failed, fail };
}

/**
 * The one harness function every row's calls go through: call `id`, check its value,
 * and release whatever it held, inside the same awaited promise.
 */
export function callAndCheck(
  transport: Transport,
  payload: PayloadName,
  id: number,
  check: (value: unknown) => void,
): Promise<void> {
  if (transport.consume !== undefined) return transport.consume(payload, id, check);
  return transport.call(payload, id).then(check);
}

/** A transport the suite knows of but cannot run yet (it is reported as "not yet"). */
export interface PendingTransport {
  readonly name: string;
  readonly pending: string;
}

/** Makes a fresh, unopened transport. */
export type TransportFactory = () => Transport;

/**
 * Thrown by `open()` when the transport cannot run here, e.g. a peer whose library is a
 * devDependency and so absent from an installed package: the run reports it and goes on.
 */
export class TransportUnavailable extends Error {}
