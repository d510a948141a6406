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
}

/** A transport the suite knows of but cannot run yet (it is reported as "not yet"). */
export interface PendingTransport {
  readonly name: string;
  readonly pending: string;
}

/** Makes a fresh, unopened transport. */
export type TransportFactory = () => Transport;
