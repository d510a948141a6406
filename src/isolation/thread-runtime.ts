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
 * If the worker exits on its own, every call and control request in flight is
 * rejected at once with BERTH_ERR_PLUGIN_CRASHED (PLUGIN_OOM when it ran out of heap,
 * PLUGIN_HUNG when its heartbeat stalled and it was terminated): nothing waits on a dead
 * thread.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { BerthError, codes, fromWireError } from '../errors.js';
import type { HealthReport } from '../sdk/context.js';
import { createCallClient } from '../transport/call-client.js';
import { createLivenessBuffer, readHeartbeat } from '../transport/heartbeat.js';
import { createSharedBuffers } from '../transport/shared-layout.js';
import { watchHeartbeat } from '../supervisor/watchdog.js';
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
import { forwardLog } from './forward-log.js';
import type { PluginRuntime, RuntimeSpec } from './runtime.js';
import { resolveWorkerEntry } from './worker-entry.js';

let liveWorkers = 0;

/**
 * How long a worker watches its ring after a batch: long enough to catch a caller's next
 * call after its own wake-up (about 15-25 µs here), short enough to cost little CPU.
 */
const DEFAULT_SPIN_US = 50;

/** Plugin workers spawned in this process whose threads have not exited yet. */
export function countLiveWorkers(): number {
  return liveWorkers;
}

interface PendingControl {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Starts nothing yet: `start()` spawns the worker. */
export function createThreadRuntime(spec: RuntimeSpec): PluginRuntime {
  const plugin = spec.boot.name;
  const { port1, port2 } = new MessageChannel();
  const buffers = createSharedBuffers(undefined, spec.arenaBytes);
  const client = createCallClient({
    buffers,
    port: port1,
    plugin,
    logger: spec.logger,
    pollUs: spec.spinUs ?? DEFAULT_SPIN_US,
    present: (error, service, method) => presentCallError(error, { plugin, service, method }),
  });
  const controls = new Map<number, PendingControl>();
  let nextControlId = 1;
  let worker: Worker | undefined;
  let alive = false;
  let killed = false;
  let exited: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  let handshake: PendingControl | undefined;
  let lastError: Error | undefined;
  /** Why the worker is going away when the host ends it (a hang, a kill, a stop). */
  let ending: BerthError | undefined;
  let stopWatching = (): void => {};
  const liveness = createLivenessBuffer();

  const crashError = (exitCode: number): BerthError =>
    new BerthError(
      codes.PLUGIN_CRASHED,
      `plugin "${plugin}" crashed: its worker exited with code ${exitCode}` +
        (lastError === undefined
          ? ''
          : ` after an uncaught ${lastError.name}: ${lastError.message}`),
      { plugin, cause: lastError, data: { exitCode } },
    );

  const onMessage = (message: WorkerMessage): void => {
    switch (message.type) {
      case 'LOG':
        forwardLog(spec.logger, message.line);
        return;
      case 'READY':
      case 'LOAD_FAILED': {
        const pending = handshake;
        handshake = undefined;
        if (message.protocol !== WIRE_VERSION) {
          pending?.reject(
            new BerthError(
              codes.PROTOCOL_MISMATCH,
              `plugin "${plugin}": worker speaks wire v${message.protocol}, host v${WIRE_VERSION}; reinstall Berth so both match`,
              { plugin, data: { host: WIRE_VERSION, worker: message.protocol } },
            ),
          );
        } else if (message.type === 'READY') pending?.resolve(undefined);
        else pending?.reject(fromWireError(message.error));
        return;
      }
      case 'CONTROL_RESULT': {
        const pending = controls.get(message.id);
        controls.delete(message.id);
        if (message.ok) pending?.resolve(message.value);
        else pending?.reject(fromWireError(message.error));
        return;
      }
    }
  };

  const exitError = (exitCode: number): BerthError => {
    if (ending !== undefined) return ending;
    if ((lastError as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new BerthError(
        codes.PLUGIN_OOM,
        `plugin "${plugin}" ran out of heap (resourceLimits ${JSON.stringify(spec.resourceLimits ?? {})}); its worker was ended`,
        { plugin, cause: lastError, data: { exitCode } },
      );
    }
    return crashError(exitCode);
  };

  /**
   * Settles everything waiting on this worker with `error`, once, and tells the
   * supervisor unless the host itself is ending the worker. Runs at the worker's exit, or
   * earlier when a hang is detected: a worker stuck in a native call (a long
   * better-sqlite3 statement) cannot be terminated until that call returns, and nothing
   * may wait for that.
   */
  let reported = false;
  const reportEnd = (error: BerthError): void => {
    if (reported) return;
    reported = true;
    client.rejectAll(() => error);
    handshake?.reject(error);
    handshake = undefined;
    for (const pending of controls.values()) pending.reject(error);
    controls.clear();
    if (stopping === undefined && error.code !== codes.PLUGIN_NOT_RUNNING && !killed) {
      spec.logger.error({ plugin, code: error.code, err: lastError }, error.message);
      spec.onExit(error);
    }
  };

  const onExit = (exitCode: number): void => {
    alive = false;
    liveWorkers -= 1;
    stopWatching();
    reportEnd(exitError(exitCode));
    client.close();
  };

  /** Terminates the worker, waiting at most the stop deadline for its thread to end. */
  const terminate = async (): Promise<void> => {
    const ended = worker?.terminate().then(() => exited);
    if (ended !== undefined && (await withDeadline(ended, spec.stopTimeoutMs)) === TIMED_OUT) {
      spec.logger.warn(
        { plugin },
        'the worker did not end by the stop deadline (inside a native call?); it will end when that call returns',
      );
    }
  };

  const control = (op: ControlOpName, ...args: unknown[]): Promise<unknown> => {
    if (worker === undefined || !alive) {
      return Promise.reject(
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
    const entry = resolveWorkerEntry('plugin-worker');
    const workerData: WorkerBoot = {
      protocol: WIRE_VERSION,
      plugin: spec.boot,
      logLevel: spec.logger.level,
      dataPort: port2,
      buffers,
      spinUs: spec.spinUs ?? DEFAULT_SPIN_US,
      liveness,
      heartbeatIntervalMs: Math.max(5, Math.min(500, spec.hangTimeoutMs / 10)),
    };
    const ready = new Promise((resolve, reject) => {
      handshake = { resolve, reject };
    });
    const spawned = new Worker(entry.url, {
      workerData,
      transferList: [port2],
      argv: entry.argv,
      ...(spec.resourceLimits === undefined ? {} : { resourceLimits: spec.resourceLimits }),
    });
    worker = spawned;
    alive = true;
    liveWorkers += 1;
    exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
    spawned.on('message', onMessage);
    spawned.on('error', (error) => {
      lastError = error;
    });
    spawned.on('exit', onExit);
    await ready;
    // Beats start once the plugin is loaded; from then on a stall of the loop is a hang.
    stopWatching = watchHeartbeat(
      () => readHeartbeat(liveness),
      spec.hangTimeoutMs,
      () => {
        ending = new BerthError(
          codes.PLUGIN_HUNG,
          `plugin "${plugin}" stopped responding: its event loop was blocked for over ${spec.hangTimeoutMs} ms; its worker was terminated`,
          { plugin, data: { hangTimeoutMs: spec.hangTimeoutMs } },
        );
        void spawned.terminate();
        reportEnd(ending);
      },
    );
    return (await control(ControlOp.START)) as ServiceMethods;
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
      if (stopping !== undefined) {
        return Promise.reject(
          new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" is stopping`, {
            plugin,
            service,
            method,
          }),
        );
      }
      return client.call(service, method, args, options);
    },
    async health() {
      return (await control(ControlOp.HEALTH)) as HealthReport;
    },
    async configure(service, config) {
      await control(ControlOp.CONFIGURE, service, config);
    },
    stop() {
      stopping ??= (async () => {
        if (worker === undefined || !alive) return;
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
        ending = new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" was stopped`, {
          plugin,
        });
        reportEnd(ending);
        await terminate();
      })();
      return stopping;
    },
    async kill(reason) {
      if (worker === undefined || !alive) return;
      killed = true;
      ending = reason;
      reportEnd(reason);
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
