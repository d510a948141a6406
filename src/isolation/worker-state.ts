/**
 * The vocabulary of a worker handle (worker-handle.ts): its states and which may follow
 * which, what a worker may tell it, how a kind of worker speaks (its dialect), and what
 * the handle tells its owner. Data and types only, so the table is tested on its own.
 */
import type { Logger } from 'pino';
import type { BerthError } from '../errors.js';
import type { WireError } from '../wire-error.js';
import type { ServiceMethods } from '../transport/wire.js';
import type { WorkerEndpoint } from './worker-endpoint.js';
import type { WorkerSite } from './worker-errors.js';

/** The states of a worker handle. */
export const WorkerState = {
  /** Spawned; nothing heard yet. Its first message must be its hello. */
  SPAWNED: 'spawned',
  /** Its wire version is right; it is loading (a pool thread: and starting) the plugin. */
  LOADING: 'loading',
  /** Loaded: its heartbeat is watched. */
  READY: 'ready',
  /** It could not load the plugin, or not in time, or speaks another wire version. */
  FAILED: 'failed',
  /** Gone or given up; final. Every request has been settled. */
  ENDED: 'ended',
} as const;
export type WorkerStateName = (typeof WorkerState)[keyof typeof WorkerState];

/** Which state may follow which: the drawing above, as data. */
export const WORKER_TRANSITIONS: Readonly<Record<WorkerStateName, readonly WorkerStateName[]>> = {
  spawned: ['loading', 'failed', 'ended'],
  loading: ['ready', 'failed', 'ended'],
  ready: ['ended'],
  failed: ['ended'],
  ended: [],
};

/** What a worker may tell its handle, once its dialect has read and checked it. */
export type HandleMessage =
  | { type: 'HELLO'; protocol: number }
  | { type: 'LOADED'; liveness?: SharedArrayBuffer | undefined; methods?: ServiceMethods }
  | { type: 'LOAD_FAILED'; error: WireError }
  | { type: 'REPLY'; id: number; ok: true; value: unknown }
  | { type: 'REPLY'; id: number; ok: false; error: WireError }
  | { type: 'LOGS'; lines: string[]; dropped: number };

/** How one kind of worker speaks: how its messages are read, how a request is put. */
export interface WorkerDialect {
  /** Checks one raw message: what the handle acts on (in order), or why it is refused. */
  read(value: unknown): { ok: true; messages: HandleMessage[] } | { ok: false; problem: string };
  /** The message that asks the worker for control request `id`. */
  request(id: number, op: string, args: unknown[]): unknown;
}

/** Why a handle ended: the worker exited, hung, broke the wire, or the host ended it. */
export type EndCause = 'exit' | 'hang' | 'violation' | 'host';

/** What a handle tells its owner: one listener per state entered. */
export interface WorkerHandleEvents {
  loading?(): void;
  ready?(message: Extract<HandleMessage, { type: 'LOADED' }>): void;
  failed?(error: BerthError | Error): void;
  ended(error: BerthError, cause: EndCause, from: WorkerStateName): void;
  logs?(lines: string[], dropped: number): void;
}

/** What a handle is made with. */
export interface WorkerHandleOptions {
  site: WorkerSite;
  endpoint: WorkerEndpoint;
  dialect: WorkerDialect;
  /** The wire the hello must name, and its version here. */
  wire: { name: string; version: number };
  /** A worker whose heartbeat stalls this long is hung, and is terminated. */
  hangTimeoutMs: number;
  /** The liveness buffer, when the host made it (else LOADED brings it). */
  liveness?: SharedArrayBuffer | undefined;
  /** How long loading may take from the hello before the worker has failed; none if unset. */
  loadTimeoutMs?: number | undefined;
  /** Messages the worker may post in a second before it is flooding the host; no bound if unset. */
  maxMessagesPerSecond?: number | undefined;
  logger: Logger;
  events: WorkerHandleEvents;
}
