/**
 * The wire vocabulary, shared by the host and the worker side.
 *
 * Two channels join a host and a plugin worker:
 *
 *   host                                   worker
 *   ────                                   ──────
 *   control (parentPort, structured clone) rare: handshake, start, stop, health, logs
 *     ◀── READY {protocol, …} | LOAD_FAILED   first message, before anything else
 *     ──▶ CONTROL {id, op, args}
 *     ◀── CONTROL_RESULT {id, ok, value | error}
 *     ◀── LOGS {lines, dropped}                pino records from the plugin, batched (log-sink.ts)
 *
 *   data (shared memory: shared-layout.ts, shared-channel.ts) every call
 *     ──▶ [CALL, id, service, method, args]    request ring; many frames, one doorbell
 *     ──▶ [CANCEL, id]
 *     ◀── [RESULT, id, value] | [FAILURE, id, wireError]   result ring + arena
 *     ◀─▶ the data port carries what does not fit (in ring order, by PORT records)
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from '../wire-error.js';
import type { LogLimits } from './log-sink.js';
import type { SharedBuffers } from './shared-layout.js';

/** Bumped on any incompatible change to the messages or frames below. */
export const WIRE_VERSION = 5;

/** Data-plane frame kinds: the first element of every frame. */
export const Frame = {
  CALL: 1,
  RESULT: 2,
  FAILURE: 3,
  CANCEL: 4,
} as const;

export type CallFrame = [
  typeof Frame.CALL,
  id: number,
  service: string,
  method: string,
  args: unknown[],
];
export type ResultFrame = [typeof Frame.RESULT, id: number, value: unknown];
export type FailureFrame = [typeof Frame.FAILURE, id: number, error: WireError];
export type CancelFrame = [typeof Frame.CANCEL, id: number];
/** Any data-plane frame. */
export type AnyFrame = CallFrame | ResultFrame | FailureFrame | CancelFrame;

/** Control operations the host asks of a worker. */
export const ControlOp = {
  START: 'start',
  STOP: 'stop',
  HEALTH: 'health',
  /** args: [service, config]; see PluginInstance.configure. */
  CONFIGURE: 'configure',
} as const;
export type ControlOpName = (typeof ControlOp)[keyof typeof ControlOp];

/** What every dedicated worker, a thread or a process, is told at boot. */
export interface WorkerBasics {
  protocol: number;
  plugin: PluginBoot;
  logLevel: string;
  logLimits: LogLimits;
  /**
   * The names of the worker's environment (isolation/plugin-env.ts). The worker drops any
   * other variable at boot: Node adds those of `--env-file` whatever the Worker `env`.
   */
  envNames: string[];
}

/** What a worker thread is told at spawn (its `workerData`). Plain data plus the data port. */
export interface WorkerBoot extends WorkerBasics {
  /** The copying path of the data plane, for frames too large for the rings and arena. */
  dataPort: MessagePort;
  /** The rings and the arena of the data plane (shared-layout.ts). */
  buffers: SharedBuffers;
  /** How long the worker watches for more calls after a batch before it sleeps. */
  spinUs: number;
  /** The liveness buffer (heartbeat.ts) and how often to beat into it. */
  liveness: SharedArrayBuffer;
  heartbeatIntervalMs: number;
}

/**
 * What a plugin process is told, in the first frame on its pipe (pipe-channel.ts): the
 * basics, and how often to beat.
 */
export interface ProcessBoot extends WorkerBasics {
  type: 'BOOT';
  heartbeatIntervalMs: number;
}

/** The part of a plugin's description both sides need: no host internals. */
export interface PluginBoot {
  name: string;
  version: string;
  /** Absolute path of the built main module. */
  mainPath: string;
  dataDir: string;
  /** Services in start order, each with the config it starts with. */
  services: { name: string; config: Record<string, unknown> }[];
  /** Absolute paths of the manifest's migration files, in order; applied at start. */
  migrations: string[];
  /** `uninstall`: START migrates down instead of starting, and serves nothing. Default `serve`. */
  mode?: 'serve' | 'uninstall';
}

/** Methods per service, as reported by a started plugin. */
export type ServiceMethods = Record<string, string[]>;

/** Worker-to-host control messages. */
export type WorkerMessage =
  | { type: 'READY'; protocol: number }
  | { type: 'LOAD_FAILED'; protocol: number; error: WireError }
  | { type: 'CONTROL_RESULT'; id: number; ok: true; value: unknown }
  | { type: 'CONTROL_RESULT'; id: number; ok: false; error: WireError }
  | { type: 'LOGS'; lines: string[]; dropped: number };

/**
 * What a plugin process may send besides: the error it is about to die of, told to the
 * host before Node prints it and exits (a thread's host hears it from Node itself).
 */
export type ProcessMessage = WorkerMessage | { type: 'UNCAUGHT'; error: WireError };

/** Host-to-worker control messages. */
export type HostMessage = { type: 'CONTROL'; id: number; op: ControlOpName; args: unknown[] };
