/**
 * The plugin side of a dedicated worker, a thread (thread-worker.ts) or a process
 * (process-worker.ts): what runs there once it can talk to the host.
 *
 * Boot order: check the wire version, import the plugin, answer READY (or LOAD_FAILED);
 * then obey control requests. Calls are served only after `start` has succeeded, so no
 * call can reach a service that is not running.
 */
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { toWireError } from '../wire-error.js';
import {
  ControlOp,
  WIRE_VERSION,
  type HostMessage,
  type WorkerBasics,
  type WorkerMessage,
} from '../transport/wire.js';
import type { PluginDefinition } from '../sdk/define-plugin.js';
import type { CallServer, Dispatch } from './call-server.js';
import { loadPlugin } from './load-plugin.js';
import { startPluginInstance, type PluginInstance } from './plugin-instance.js';
import { checkWireVersion, createWorkerLogger, keepOnlyEnv } from './worker-setup.js';

/** How a dedicated worker talks to its host. */
export interface WorkerIo {
  /** Sends a control message; never throws. */
  post(message: WorkerMessage): void;
  /** Hears the host's control messages. */
  onControl(listener: (message: HostMessage) => void): void;
  /** Starts serving calls with `dispatch` (once the plugin has started). */
  serve(dispatch: Dispatch): CallServer;
  /** Starts the heartbeat the host watches (once the plugin has loaded). */
  startHeartbeat(): void;
}

/** Runs a plugin worker on `io` with the `boot` it was given. */
export function runPluginWorker(io: WorkerIo, boot: WorkerBasics): void {
  const post = (message: WorkerMessage): void => io.post(message);
  const { plugin } = boot;
  keepOnlyEnv(boot.envNames);
  const logger = createWorkerLogger(boot.logLevel, boot.logLimits, (lines, dropped) =>
    post({ type: 'LOGS', lines, dropped }),
  );
  const definition = (async () => {
    checkWireVersion(boot.protocol, WIRE_VERSION, {
      wire: 'wire',
      self: 'this worker',
      plugin: plugin.name,
    });
    return loadPlugin(
      plugin.name,
      plugin.mainPath,
      plugin.services.map((service) => service.name),
    );
  })();
  const control = new WorkerControl(boot, definition, logger, io);
  io.onControl((message) => {
    if (message.type !== 'CONTROL') return;
    control.run(message.op, message.args).then(
      (value) => post({ type: 'CONTROL_RESULT', id: message.id, ok: true, value }),
      (error: unknown) =>
        post({ type: 'CONTROL_RESULT', id: message.id, ok: false, error: toWireError(error) }),
    );
  });
  definition.then(
    () => {
      io.startHeartbeat();
      post({ type: 'READY', protocol: WIRE_VERSION });
    },
    (error: unknown) =>
      post({ type: 'LOAD_FAILED', protocol: WIRE_VERSION, error: toWireError(error) }),
  );
}

/** The control operations of one worker: start, stop, health, configure. */
class WorkerControl {
  #instance: PluginInstance | undefined;
  #calls: CallServer | undefined;

  constructor(
    private readonly boot: WorkerBasics,
    private readonly definition: Promise<PluginDefinition>,
    private readonly logger: Logger,
    private readonly io: WorkerIo,
  ) {}

  async run(op: string, args: unknown[]): Promise<unknown> {
    const plugin = this.boot.plugin;
    switch (op) {
      case ControlOp.START:
        return this.#start();
      case ControlOp.STOP:
        this.#calls?.close();
        await this.#instance?.stop();
        return null;
      case ControlOp.HEALTH:
        return this.#instance === undefined
          ? { ok: false, detail: 'not started' }
          : this.#instance.health();
      case ControlOp.CONFIGURE: {
        if (this.#instance === undefined) {
          throw new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin.name}" is not started`, {
            plugin: plugin.name,
          });
        }
        const [service, config] = args as [string, Record<string, unknown>];
        await this.#instance.configure(service, config);
        return null;
      }
      default:
        throw new BerthError(codes.PROTOCOL_MISMATCH, `unknown control op "${op}"`, {
          plugin: plugin.name,
        });
    }
  }

  async #start(): Promise<unknown> {
    const { boot } = this;
    const { plugin } = boot;
    const running = await startPluginInstance({
      definition: await this.definition,
      plugin: plugin.name,
      version: plugin.version,
      dataDir: plugin.dataDir,
      services: plugin.services,
      migrations: plugin.migrations,
      mode: plugin.mode,
      logger: this.logger,
    });
    this.#instance = running;
    this.#calls = this.io.serve((service, method, args, signal) =>
      running.call(service, method, args, signal),
    );
    return running.methods;
  }
}
