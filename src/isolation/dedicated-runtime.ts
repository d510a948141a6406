/**
 * A plugin on a dedicated worker of its own, a thread (thread-runtime.ts) or a process
 * (process-runtime.ts), behind a {@link WorkerHandle} (handshake, liveness, control
 * requests, what its end means). A {@link WorkerLauncher} says how the worker starts and
 * what carries its calls; this adds the runtime's own phase.
 *
 *   host thread                              plugin worker (thread or process)
 *   ───────────                              ─────────────
 *   spawn with its boot                    ──▶ check wire version, import plugin
 *        ◀── READY | LOAD_FAILED  (handshake: nothing else happens before it)
 *   CONTROL start ──▶                         factories + onStart, in serviceOrder
 *        ◀── methods per service
 *   calls ══ data port (frame channel) ══▶    ctx + method
 *   CONTROL stop ──▶ (after draining)         onStop, in reverse order
 *   worker.terminate()
 *
 *   new ──start()──▶ booting ──started──▶ running ──┐
 *                      │                            │ the handle ends: exit, hang,
 *                      └────────────────────────────┤ protocol violation, stop(), kill()
 *                                                   ▼
 *                                                 ended  (every call settled; new ones refused)
 *
 * If the worker dies, every call and control request in flight is rejected at once with
 * the handle's error (PLUGIN_CRASHED, PLUGIN_OOM, PLUGIN_HUNG, PROTOCOL): nothing waits
 * on a dead thread. The supervisor is told (onExit) only of an end while `running`: a
 * plugin that dies while starting fails its start instead.
 */
import { BerthError, codes } from '../errors.js';
import type { CallClient, DataPlaneStats } from '../transport/call-client.js';
import type { ProcessFigures } from './process-endpoint.js';
import { ControlOp, WIRE_VERSION, type ServiceMethods } from '../transport/wire.js';
import { presentCallError } from './call-error.js';
import type { CallOptions, PluginRuntime, RuntimeSpec } from './runtime.js';
import type { WorkerEndpoint } from './worker-endpoint.js';
import { threadDialect } from './worker-dialects.js';
import { drainThenStop, startWithin } from './runtime-steps.js';
import { WorkerHandle, type EndCause, type WorkerStateName } from './worker-handle.js';
import { readHealthReport, readServiceMethods } from './worker-messages.js';

/**
 * Control messages a worker may post in one second. Control is rare (a handshake, a
 * reply per request, a log batch per turn of its loop at most); a worker posting more is
 * flooding the host's event loop, and is ended as a protocol violation.
 */
const MAX_MESSAGES_PER_SECOND = 5_000;

/** What the runtime lets a launcher tell it. */
export interface LauncherHooks {
  /** The worker broke the data plane's protocol: it is ended. */
  violate(detail: string, cause?: unknown): void;
  /** The call error as a caller sees it, naming plugin, service and method. */
  present(error: unknown, service: string, method: string): unknown;
}

/** A started worker, as its runtime needs it. */
export interface LaunchedWorker {
  endpoint: WorkerEndpoint;
  /** The liveness word the handle watches (bumped by the worker, or for it on each beat). */
  liveness: SharedArrayBuffer;
  /** Set for a plugin process: messages say so. */
  process?: boolean;
}

/** How one kind of dedicated worker starts, and what carries its calls. */
export interface WorkerLauncher {
  readonly isolation: 'thread' | 'process';
  /** The calls' client, made with the launcher, before the worker. */
  readonly client: CallClient;
  /** Starts the worker (once). */
  launch(): LaunchedWorker;
  /** The worker has exited: what it held may be let go. */
  exited(): void;
  /** The shared-memory arena's figures, for a thread. */
  readonly dataPlane?: DataPlaneStats | undefined;
  /** The process's id and use, for a process. */
  readonly process?: ProcessFigures | undefined;
}

type Phase = 'new' | 'booting' | 'running' | 'ended';

/** A plugin on a worker of its own. */
export class DedicatedRuntime implements PluginRuntime {
  readonly isolation: 'thread' | 'process';
  #phase: Phase = 'new';
  #handle: WorkerHandle | undefined;
  #stopping: Promise<void> | undefined;
  readonly #plugin: string;
  readonly #launcher: WorkerLauncher;
  readonly #client: CallClient;

  constructor(
    private readonly spec: RuntimeSpec,
    makeLauncher: (hooks: LauncherHooks) => WorkerLauncher,
  ) {
    const plugin = spec.boot.name;
    this.#plugin = plugin;
    this.#launcher = makeLauncher({
      violate: (detail, cause) => this.#handle?.violate(detail, cause),
      present: (error, service, method) => presentCallError(error, { plugin, service, method }),
    });
    this.isolation = this.#launcher.isolation;
    this.#client = this.#launcher.client;
  }

  start(): Promise<ServiceMethods> {
    return startWithin(this.#boot(), this.spec.startTimeoutMs, () => this.stop(), {
      plugin: this.#plugin,
      then: `; its ${this.isolation === 'process' ? 'process' : 'worker'} was terminated`,
    });
  }

  call(service: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown> {
    if (this.#phase !== 'running' || this.#stopping !== undefined) {
      const site = { plugin: this.#plugin, service, method };
      const what = this.#stopping === undefined ? 'not running' : 'stopping';
      const error =
        this.#handle?.endError ??
        new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${this.#plugin}" is ${what}`, site);
      return Promise.reject(presentCallError(error, site));
    }
    return this.#client.call(service, method, args, options);
  }

  async health() {
    const report = readHealthReport(await this.#control(ControlOp.HEALTH));
    if (report !== undefined) return report;
    return this.#violated('a health reply that is not a health report');
  }

  async configure(service: string, config: Record<string, unknown>): Promise<void> {
    await this.#control(ControlOp.CONFIGURE, service, config);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async kill(reason: BerthError): Promise<void> {
    this.#end(reason);
    await this.#handle?.terminate(this.spec.stopTimeoutMs);
  }

  get inFlight(): number {
    return this.#client.inFlight;
  }

  get dataPlane() {
    return this.#launcher.dataPlane;
  }

  get process() {
    return this.#launcher.process;
  }

  async #boot(): Promise<ServiceMethods> {
    this.#phase = 'booting';
    const handle = this.#spawn();
    await handle.whenReady;
    const methods = readServiceMethods(
      await handle.request(ControlOp.START, []),
      this.spec.boot.services.map((s) => s.name),
    );
    if (methods === undefined)
      return this.#violated('a start reply that is not methods per service');
    // A worker that died (or was ended) while its start reply was on the way stays ended.
    if (this.#phase !== 'booting') throw handle.endError;
    this.#phase = 'running';
    return methods;
  }

  #spawn(): WorkerHandle {
    const { spec } = this;
    const launched = this.#launcher.launch();
    const { liveness } = launched;
    const handle = new WorkerHandle({
      site: {
        plugin: this.#plugin,
        resourceLimits: spec.resourceLimits,
        process: launched.process,
      },
      endpoint: launched.endpoint,
      dialect: threadDialect,
      wire: { name: 'wire', version: WIRE_VERSION },
      hangTimeoutMs: spec.hangTimeoutMs,
      liveness,
      maxMessagesPerSecond: MAX_MESSAGES_PER_SECOND,
      logger: spec.logger,
      events: {
        ended: (error, cause, from) => this.#ended(error, cause, from),
        logs: (lines, dropped) => spec.logs.take(lines, dropped),
      },
    });
    this.#handle = handle;
    void handle.exited.then(() => this.#launcher.exited());
    return handle;
  }

  /**
   * The worker's end, whatever ended it: settles everything waiting on it and makes later
   * calls fail with its error; tells the supervisor when the plugin was running and the
   * host did not end it itself.
   */
  #ended(error: BerthError, cause: EndCause, from: WorkerStateName): void {
    if (this.#phase === 'ended') return;
    const wasRunning = this.#phase === 'running';
    this.#phase = 'ended';
    this.#client.rejectAll(() => error);
    this.#client.close();
    this.spec.logs.flush();
    if (wasRunning && cause !== 'host' && this.#stopping === undefined) {
      this.spec.logger.error(
        { plugin: this.#plugin, code: error.code, err: error.cause, from },
        error.message,
      );
      this.spec.onExit(error);
    }
  }

  /** The host ends the runtime: through its worker's handle, or at once if it has none. */
  #end(reason: BerthError): void {
    if (this.#handle === undefined) this.#ended(reason, 'host', 'spawned');
    else this.#handle.end(reason);
  }

  /** The worker sent a reply the wire does not allow: it is ended, and this throws why. */
  #violated(detail: string): never {
    const handle = this.#handle;
    handle?.violate(detail);
    throw handle?.endError;
  }

  #control(op: string, ...args: unknown[]): Promise<unknown> {
    const handle = this.#handle;
    if (handle === undefined || this.#phase === 'ended' || this.#phase === 'new') {
      return Promise.reject(
        handle?.endError ??
          new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${this.#plugin}" has no live worker`, {
            plugin: this.#plugin,
          }),
      );
    }
    return handle.request(op, args);
  }

  async #stop(): Promise<void> {
    const { spec } = this;
    const plugin = this.#plugin;
    if (this.#phase === 'running') {
      await drainThenStop({
        plugin,
        logger: spec.logger,
        stopTimeoutMs: spec.stopTimeoutMs,
        whenIdle: () => this.#client.whenIdle(),
        inFlight: () => this.#client.inFlight,
        stop: () => this.#control(ControlOp.STOP),
      });
    }
    const stopped = new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" was stopped`, {
      plugin,
    });
    this.#end(stopped);
    await this.#handle?.terminate(spec.stopTimeoutMs);
  }
}
