/**
 * The plugin side of thread isolation: what runs in a plugin's dedicated worker.
 *
 * Boot order: check the wire version, import the plugin, answer READY (or LOAD_FAILED);
 * then obey control requests. Calls are served only after `start` has succeeded, so no
 * call can reach a service that is not running.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { toWireError } from '../wire-error.js';
import { startHeartbeat } from '../transport/heartbeat.js';
import {
  ControlOp,
  WIRE_VERSION,
  type HostMessage,
  type WorkerBoot,
  type WorkerMessage,
} from '../transport/wire.js';
import type { PluginDefinition } from '../sdk/define-plugin.js';
import { serveCalls, type CallServer } from './call-server.js';
import { loadPlugin } from './load-plugin.js';
import { startPluginInstance, type PluginInstance } from './plugin-instance.js';
import { checkWireVersion, createWorkerLogger, keepOnlyEnv } from './worker-setup.js';

/** Runs a plugin worker on its control `port` (the parentPort) with the `boot` it was given. */
export function runThreadWorker(port: MessagePort, boot: WorkerBoot): void {
  const post = (message: WorkerMessage): void => port.postMessage(message);
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
  const control = new WorkerControl(boot, definition, logger);
  port.on('message', (message: HostMessage) => {
    if (message.type !== 'CONTROL') return;
    control.run(message.op, message.args).then(
      (value) => post({ type: 'CONTROL_RESULT', id: message.id, ok: true, value }),
      (error: unknown) =>
        post({ type: 'CONTROL_RESULT', id: message.id, ok: false, error: toWireError(error) }),
    );
  });
  definition.then(
    () => {
      startHeartbeat(boot.liveness, boot.heartbeatIntervalMs);
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
    private readonly boot: WorkerBoot,
    private readonly definition: Promise<PluginDefinition>,
    private readonly logger: Logger,
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
    this.#calls = serveCalls(
      { buffers: boot.buffers, port: boot.dataPort, spinUs: boot.spinUs },
      (service, method, args, signal) => running.call(service, method, args, signal),
    );
    return running.methods;
  }
}
