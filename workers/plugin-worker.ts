/**
 * The entry of a plugin's worker thread: the plugin side of the wire.
 *
 * Boot order: check the wire version, import the plugin, answer READY (or LOAD_FAILED);
 * then obey control requests. Calls are served only after `start` has succeeded, so no
 * call can reach a service that is not running.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { BerthError, codes } from '../src/errors.js';
import { toWireError } from '../src/wire-error.js';
import { loadPlugin } from '../src/sdk/load-plugin.js';
import { startPluginInstance, type PluginInstance } from '../src/sdk/plugin-instance.js';
import { serveCalls, type CallServer } from '../src/transport/call-server.js';
import { startHeartbeat } from '../src/transport/heartbeat.js';
import { createLogSink } from '../src/transport/log-sink.js';
import {
  ControlOp,
  WIRE_VERSION,
  type HostMessage,
  type WorkerBoot,
  type WorkerMessage,
} from '../src/transport/wire.js';

const port = parentPort;
if (port === null) throw new Error('plugin-worker.ts runs only inside a worker thread');
const post = (message: WorkerMessage): void => port.postMessage(message);
const boot = workerData as WorkerBoot;
const { plugin } = boot;

// The environment is the host's choice (isolation/plugin-env.ts), passed as the Worker
// `env`; Node 20 adds the variables of `node --env-file` to every worker's whatever that
// option says, so they go here, before any plugin code runs.
for (const name of Object.keys(process.env)) {
  if (!boot.envNames.includes(name)) Reflect.deleteProperty(process.env, name);
}

// Plugin logs travel to the host as pino's own JSON lines, batched and held to the host's
// limits (log-sink.ts); the host re-emits them.
const logs = createLogSink(boot.logLimits, (lines, dropped) =>
  post({ type: 'LOGS', lines, dropped }),
);
const logger = pino({ level: boot.logLevel, base: null }, logs);
// The last lines before an exit or an uncaught error go out with it.
process.on('exit', () => logs.flush());

let instance: PluginInstance | undefined;
let calls: CallServer | undefined;

async function control(op: string, args: unknown[]): Promise<unknown> {
  switch (op) {
    case ControlOp.START: {
      instance = await startPluginInstance({
        definition: await definition,
        plugin: plugin.name,
        version: plugin.version,
        dataDir: plugin.dataDir,
        services: plugin.services,
        migrations: plugin.migrations,
        mode: plugin.mode,
        logger,
      });
      const running = instance;
      calls = serveCalls(
        { buffers: boot.buffers, port: boot.dataPort, spinUs: boot.spinUs },
        (service, method, args, signal) => running.call(service, method, args, signal),
      );
      return running.methods;
    }
    case ControlOp.STOP: {
      calls?.close();
      await instance?.stop();
      return null;
    }
    case ControlOp.HEALTH:
      return instance === undefined ? { ok: false, detail: 'not started' } : instance.health();
    case ControlOp.CONFIGURE: {
      if (instance === undefined) {
        throw new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin.name}" is not started`, {
          plugin: plugin.name,
        });
      }
      const [service, config] = args as [string, Record<string, unknown>];
      await instance.configure(service, config);
      return null;
    }
    default:
      throw new BerthError(codes.PROTOCOL_MISMATCH, `unknown control op "${op}"`, {
        plugin: plugin.name,
      });
  }
}

port.on('message', (message: HostMessage) => {
  if (message.type !== 'CONTROL') return;
  control(message.op, message.args).then(
    (value) => post({ type: 'CONTROL_RESULT', id: message.id, ok: true, value }),
    (error: unknown) =>
      post({ type: 'CONTROL_RESULT', id: message.id, ok: false, error: toWireError(error) }),
  );
});

const definition = (async () => {
  if (boot.protocol !== WIRE_VERSION) {
    throw new BerthError(
      codes.PROTOCOL_MISMATCH,
      `host speaks wire v${boot.protocol}, this worker v${WIRE_VERSION}; reinstall Berth so both match`,
      { plugin: plugin.name, data: { host: boot.protocol, worker: WIRE_VERSION } },
    );
  }
  return loadPlugin(
    plugin.name,
    plugin.mainPath,
    plugin.services.map((service) => service.name),
  );
})();

definition.then(
  () => {
    startHeartbeat(boot.liveness, boot.heartbeatIntervalMs);
    post({ type: 'READY', protocol: WIRE_VERSION });
  },
  (error: unknown) =>
    post({ type: 'LOAD_FAILED', protocol: WIRE_VERSION, error: toWireError(error) }),
);
