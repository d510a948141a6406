/**
 * Thread isolation: one dedicated worker per plugin.
 *
 *   host thread                              plugin worker
 *   ───────────                              ─────────────
 *   new Worker(entry, {workerData: boot}) ──▶ check wire version, import plugin
 *        ◀── READY | LOAD_FAILED  (handshake: nothing else happens before it)
 *   CONTROL start ──▶                         factories + onStart, in serviceOrder
 *        ◀── methods per service
 *   calls ══ data port (frame channel) ══▶    ctx + method
 *   CONTROL stop ──▶ (after draining)         onStop, in reverse order
 *   worker.terminate()
 *
 * The runtime's phase:
 *
 *   new ──start()──▶ booting ──started──▶ running ──┐
 *                      │                            │ exit, hang, protocol violation,
 *                      └────────────────────────────┤ stop() or kill()
 *                                                   ▼
 *                                                 ended  (every call settled; new ones refused)
 *
 * If the worker exits on its own, every call and control request in flight is
 * rejected at once with BERTH_ERR_PLUGIN_CRASHED (PLUGIN_OOM when it ran out of heap,
 * PLUGIN_HUNG when its heartbeat stalled and it was terminated, PROTOCOL when it sent
 * what the wire does not allow): nothing waits on a dead thread. The supervisor is told
 * (onExit) only of an end while `running`: a plugin that dies while starting fails its
 * start instead.
 *
 * Nothing the worker sends is trusted: control messages are checked for shape
 * (worker-messages.ts), data-plane records and arena slots for bounds, frames for their
 * decoding (shared-channel.ts); a violation ends the worker, never the host.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { BerthError, codes, fromWireError, toWireError } from '../errors.js';
import { createCallClient } from '../transport/call-client.js';
import { createLivenessBuffer, readHeartbeat } from '../transport/heartbeat.js';
import { watchHeartbeat } from './watchdog.js';
import {
  ControlOp,
  WIRE_VERSION,
  type ControlOpName,
  type ServiceMethods,
  type WorkerBoot,
  type WorkerMessage,
} from '../transport/wire.js';
import { presentCallError } from './call-error.js';
import { TIMED_OUT, withDeadline } from './deadline.js';
import type { PluginRuntime, RuntimeSpec } from './runtime.js';
import { resolveWorkerEntry } from './worker-entry.js';
import { readHealthReport, readServiceMethods, readWorkerMessage } from './worker-messages.js';

let liveWorkers = 0;

/**
 * How long a worker watches its ring after a batch: long enough to catch a caller's next
 * call after its own wake-up (about 15-25 µs here), short enough to cost little CPU.
 */
const DEFAULT_SPIN_US = 50;

/**
 * Control messages a worker may post in one second. Control is rare (a handshake, a
 * reply per request, a log batch per turn of its loop at most); a worker posting more is
 * flooding the host's event loop, and is ended as a protocol violation.
 */
const MAX_MESSAGES_PER_SECOND = 5_000;

/** Plugin workers spawned in this process whose threads have not exited yet. */
export function countLiveWorkers(): number {
  return liveWorkers;
}

interface PendingControl {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Phase = 'new' | 'booting' | 'running' | 'ended';

/** Starts nothing yet: `start()` spawns the worker. */
export function createThreadRuntime(spec: RuntimeSpec): PluginRuntime {
  const plugin = spec.boot.name;
  const { port1, port2 } = new MessageChannel();
  const buffers = spec.buffers.take();
  const client = createCallClient({
    buffers,
    port: port1,
    plugin,
    logger: spec.logger,
    pollUs: spec.spinUs ?? DEFAULT_SPIN_US,
    present: (error, service, method) => presentCallError(error, { plugin, service, method }),
    onViolation: (error) => violated(error.data?.['detail'] as string, error),
  });
  const controls = new Map<number, PendingControl>();
  let nextControlId = 1;
  let phase: Phase = 'new';
  let worker: Worker | undefined;
  /** Resolves when the worker's thread has exited (at once if it never ran). */
  let exited: Promise<void> = Promise.resolve();
  let threadGone = true;
  let stopping: Promise<void> | undefined;
  let handshake: PendingControl | undefined;
  let lastError: Error | undefined;
  /** Why the worker ended, once it has: every later call is refused with it. */
  let endError: BerthError | undefined;
  let stopWatching = (): void => {};
  let windowStart = 0;
  let windowMessages = 0;
  const liveness = createLivenessBuffer();

  const exitError = (exitCode: number): BerthError => {
    if ((lastError as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new BerthError(
        codes.PLUGIN_OOM,
        `plugin "${plugin}" ran out of heap (resourceLimits ${JSON.stringify(spec.resourceLimits ?? {})}); its worker was ended`,
        { plugin, cause: lastError, data: { exitCode } },
      );
    }
    return new BerthError(
      codes.PLUGIN_CRASHED,
      `plugin "${plugin}" crashed: its worker exited with code ${exitCode}` +
        (lastError === undefined
          ? ''
          : ` after an uncaught ${lastError.name}: ${lastError.message}`),
      { plugin, cause: lastError, data: { exitCode } },
    );
  };

  /**
   * Ends the runtime with `error`, once: settles everything waiting on this worker, makes
   * later calls fail with it, stops watching, and tells the supervisor when the plugin
   * was running and the host did not end it itself (`byHost`). Runs at the worker's exit,
   * or earlier when a hang or a violation is detected: a worker stuck in a native call
   * (a long better-sqlite3 statement) cannot be terminated until that call returns, and
   * nothing may wait for that.
   */
  const end = (error: BerthError, byHost: boolean): void => {
    if (phase === 'ended') return;
    const wasRunning = phase === 'running';
    phase = 'ended';
    endError = error;
    stopWatching();
    client.rejectAll(() => error);
    client.close();
    handshake?.reject(error);
    handshake = undefined;
    for (const pending of controls.values()) pending.reject(error);
    controls.clear();
    spec.logs.flush();
    if (wasRunning && !byHost && stopping === undefined) {
      spec.logger.error({ plugin, code: error.code, err: error.cause ?? lastError }, error.message);
      spec.onExit(error);
    }
  };

  /** The worker broke the protocol: it is ended, as after a crash. */
  const violated = (detail: string, cause?: unknown): void => {
    if (phase === 'ended') return;
    const error = new BerthError(
      codes.PROTOCOL,
      `plugin "${plugin}" broke the wire protocol (${detail}); its worker was ended`,
      { plugin, cause, data: { detail } },
    );
    void worker?.terminate();
    end(error, false);
  };

  const onMessage = (value: unknown): void => {
    if (phase === 'ended') return;
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      windowMessages = 0;
    }
    if (++windowMessages > MAX_MESSAGES_PER_SECOND) {
      violated(`over ${MAX_MESSAGES_PER_SECOND} control messages in a second`);
      return;
    }
    const read = readWorkerMessage(value);
    if (!read.ok) {
      violated(read.problem);
      return;
    }
    const problem = handle(read.message);
    if (problem !== undefined) violated(problem);
  };

  /** Acts on one well-formed message; returns why it may not be sent now, if it may not. */
  const handle = (message: WorkerMessage): string | undefined => {
    switch (message.type) {
      case 'LOGS':
        spec.logs.take(message.lines, message.dropped);
        return undefined;
      case 'READY':
      case 'LOAD_FAILED': {
        const pending = handshake;
        if (pending === undefined) return `a ${message.type} after the handshake`;
        handshake = undefined;
        if (message.protocol !== WIRE_VERSION) {
          pending.reject(
            new BerthError(
              codes.PROTOCOL_MISMATCH,
              `plugin "${plugin}": worker speaks wire v${message.protocol}, host v${WIRE_VERSION}; reinstall Berth so both match`,
              { plugin, data: { host: WIRE_VERSION, worker: message.protocol } },
            ),
          );
        } else if (message.type === 'READY') pending.resolve(undefined);
        else pending.reject(fromWireError(message.error));
        return undefined;
      }
      case 'CONTROL_RESULT': {
        const pending = controls.get(message.id);
        if (pending === undefined) return `an answer to control request ${message.id}, never sent`;
        controls.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromWireError(message.error));
        return undefined;
      }
    }
  };

  const onExit = (exitCode: number): void => {
    threadGone = true;
    liveWorkers -= 1;
    end(exitError(exitCode), false);
    // The buffers go back for the next worker of this plugin only now that no thread
    // can write them, and only if no zero-copy result still views the arena.
    if (client.stats.arenaBytesInUse === 0) spec.buffers.give(buffers);
  };

  /** Terminates the worker, waiting at most the stop deadline for its thread to end. */
  const terminate = async (): Promise<void> => {
    if (worker === undefined || threadGone) return;
    const ended = worker.terminate().then(() => exited);
    if ((await withDeadline(ended, spec.stopTimeoutMs)) === TIMED_OUT) {
      spec.logger.warn(
        { plugin },
        'the worker did not end by the stop deadline (inside a native call?); it will end when that call returns',
      );
    }
  };

  const control = (op: ControlOpName, ...args: unknown[]): Promise<unknown> => {
    if (worker === undefined || phase === 'ended' || phase === 'new') {
      return Promise.reject(
        endError ??
          new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" has no live worker`, {
            plugin,
          }),
      );
    }
    const id = nextControlId++;
    const reply = new Promise((resolve, reject) => controls.set(id, { resolve, reject }));
    worker.postMessage({ type: 'CONTROL', id, op, args });
    return reply;
  };

  const boot = async (): Promise<ServiceMethods> => {
    phase = 'booting';
    const entry = resolveWorkerEntry('plugin-worker');
    const workerData: WorkerBoot = {
      protocol: WIRE_VERSION,
      plugin: spec.boot,
      logLevel: spec.logger.level,
      logLimits: spec.logLimits,
      dataPort: port2,
      buffers,
      spinUs: spec.spinUs ?? DEFAULT_SPIN_US,
      liveness,
      heartbeatIntervalMs: Math.max(5, Math.min(500, spec.hangTimeoutMs / 10)),
      envNames: Object.keys(spec.env),
    };
    const ready = new Promise((resolve, reject) => {
      handshake = { resolve, reject };
    });
    const spawned = new Worker(entry.url, {
      workerData,
      transferList: [port2],
      argv: entry.argv,
      env: spec.env,
      ...(spec.resourceLimits === undefined ? {} : { resourceLimits: spec.resourceLimits }),
    });
    worker = spawned;
    threadGone = false;
    liveWorkers += 1;
    exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
    spawned.on('message', onMessage);
    spawned.on('error', (error) => {
      // The plugin's uncaught error, as Node rebuilt it here: bounded before it is used in
      // a message (its code, Node's OOM code included, is kept).
      lastError = fromWireError(toWireError(error));
    });
    spawned.on('exit', onExit);
    await ready;
    // Beats start once the plugin is loaded; from then on a stall of the loop is a hang.
    stopWatching = watchHeartbeat(
      () => readHeartbeat(liveness),
      spec.hangTimeoutMs,
      () => {
        void spawned.terminate();
        end(
          new BerthError(
            codes.PLUGIN_HUNG,
            `plugin "${plugin}" stopped responding: its event loop was blocked for over ${spec.hangTimeoutMs} ms; its worker was terminated`,
            { plugin, data: { hangTimeoutMs: spec.hangTimeoutMs } },
          ),
          false,
        );
      },
    );
    const methods = readServiceMethods(
      await control(ControlOp.START),
      spec.boot.services.map((s) => s.name),
    );
    if (methods === undefined) {
      violated('a start reply that is not methods per service');
      throw endError;
    }
    // A worker that died (or was ended) while its start reply was on the way stays ended.
    if (phase !== 'booting') throw endError;
    phase = 'running';
    return methods;
  };

  const runtime: PluginRuntime = {
    isolation: 'thread',
    async start() {
      const started = boot();
      const outcome = await withDeadline(started, spec.startTimeoutMs);
      if (outcome !== TIMED_OUT) return outcome;
      started.catch(() => {}); // the worker is being terminated; its late failure is moot
      await runtime.stop();
      throw new BerthError(
        codes.START_FAILED,
        `plugin "${plugin}" did not start within ${spec.startTimeoutMs} ms; its worker was terminated`,
        { plugin, data: { timeoutMs: spec.startTimeoutMs } },
      );
    },
    call(service, method, args, options) {
      if (phase !== 'running' || stopping !== undefined) {
        const site = { plugin, service, method };
        return Promise.reject(
          presentCallError(
            endError ??
              new BerthError(
                codes.PLUGIN_NOT_RUNNING,
                `plugin "${plugin}" is ${stopping === undefined ? 'not running' : 'stopping'}`,
                site,
              ),
            site,
          ),
        );
      }
      return client.call(service, method, args, options);
    },
    async health() {
      const report = readHealthReport(await control(ControlOp.HEALTH));
      if (report !== undefined) return report;
      violated('a health reply that is not a health report');
      throw endError;
    },
    async configure(service, config) {
      await control(ControlOp.CONFIGURE, service, config);
    },
    stop() {
      stopping ??= (async () => {
        if (phase === 'running') {
          if ((await withDeadline(client.whenIdle(), spec.stopTimeoutMs)) === TIMED_OUT) {
            spec.logger.warn(
              { plugin, inFlight: client.inFlight },
              'calls still in flight at the stop deadline',
            );
          }
          const stopped = control(ControlOp.STOP).catch((error: unknown) => {
            spec.logger.warn({ plugin, err: error }, 'plugin stop failed');
          });
          if ((await withDeadline(stopped, spec.stopTimeoutMs)) === TIMED_OUT) {
            spec.logger.warn({ plugin }, 'onStop did not finish by the stop deadline');
          }
        }
        end(
          new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" was stopped`, { plugin }),
          true,
        );
        await terminate();
      })();
      return stopping;
    },
    async kill(reason) {
      end(reason, true);
      await terminate();
    },
    get inFlight() {
      return client.inFlight;
    },
    get dataPlane() {
      return client.stats;
    },
  };
  return runtime;
}
