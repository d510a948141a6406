/**
 * The task module of pool isolation: piscina loads it in every pool thread and calls
 * `runTask` once per call (src/transport/pool-wire.ts has the whole exchange).
 *
 * Each thread runs an instance of the plugin of its own: it says HELLO, waits for the
 * config in force (BOOT), imports the plugin and starts it (factories, migrations,
 * onStart, in serviceOrder), then reports THREAD_READY or THREAD_FAILED. Nothing is
 * shared between the threads but what the plugin keeps outside its own memory (a
 * database, files): this is why pool isolation is for stateless services.
 *
 * Loading waits for the plugin to start but never throws: piscina would replace a thread
 * whose module fails, again and again. A plugin that cannot start is reported instead,
 * and a task that reaches the thread anyway (piscina hands the first threads tasks
 * before their module has loaded) fails with the start error.
 */
import { BroadcastChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { pino } from 'pino';
import { BerthError, codes } from '../src/errors.js';
import { toWireError } from '../src/wire-error.js';
import { loadPlugin } from '../src/sdk/load-plugin.js';
import { startPluginInstance, type PluginInstance } from '../src/sdk/plugin-instance.js';
import { startHeartbeat } from '../src/transport/heartbeat.js';
import { createLogSink } from '../src/transport/log-sink.js';
import {
  claimRunningSlot,
  createPoolCodec,
  createPoolLiveness,
  POOL_WIRE_VERSION,
  PoolOp,
  releaseRunningSlot,
  type PoolBoot,
  type Carried,
  type PoolBroadcast,
  type PoolTask,
  type PoolThreadMessage,
} from '../src/transport/pool-wire.js';
import type { PluginBoot } from '../src/transport/wire.js';

/** Results at least this large are transferred, not copied, to the host (measured: a
 * transfer costs more than copying a tiny result, less than copying a large one). */
const TRANSFER_BYTES = 64 * 1024;

const port = parentPort;
if (port === null) throw new Error('pool-worker.ts runs only inside a piscina pool thread');
const post = (message: PoolThreadMessage): void => port.postMessage(message);
const boot = workerData as PoolBoot;
const plugin = boot.plugin;

// As in plugin-worker.ts: Node adds the variables of `node --env-file` to every thread's
// environment whatever piscina's `env` says; they go before any plugin code runs.
for (const name of Object.keys(process.env)) {
  if (!boot.envNames.includes(name)) Reflect.deleteProperty(process.env, name);
}

const codec = createPoolCodec();
const liveness = createPoolLiveness(boot.tasksPerThread);
/** Calls running here, by id, to abort on CANCEL. */
const running = new Map<number, AbortController>();
/** CANCELs for calls not (yet) seen here, until their deadline: a call may arrive later. */
const cancelled = new Map<number, number>();

const logs = createLogSink(boot.logLimits, (lines, dropped) =>
  post({ type: 'LOGS', lines, dropped }),
);
const logger = pino({ level: boot.logLevel, base: null }, logs);
// The last lines before an exit or an uncaught error go out with it.
process.on('exit', () => logs.flush());

let deliverBoot: (services: PluginBoot['services']) => void = () => {};
const booted = new Promise<PluginBoot['services']>((resolve) => (deliverBoot = resolve));

const instance: Promise<PluginInstance> = booted.then(async (services) => {
  if (boot.protocol !== POOL_WIRE_VERSION) {
    throw new BerthError(
      codes.PROTOCOL_MISMATCH,
      `host speaks pool wire v${boot.protocol}, this thread v${POOL_WIRE_VERSION}; reinstall Berth so both match`,
      { plugin: plugin.name, data: { host: boot.protocol, worker: POOL_WIRE_VERSION } },
    );
  }
  const definition = await loadPlugin(
    plugin.name,
    plugin.mainPath,
    services.map((service) => service.name),
  );
  return startPluginInstance({
    definition,
    plugin: plugin.name,
    version: plugin.version,
    dataDir: plugin.dataDir,
    services,
    migrations: plugin.migrations,
    logger,
  });
});

instance.then(
  (started) => {
    // Beats start once the plugin runs; from then on a stall of the loop is a hang.
    startHeartbeat(liveness, boot.heartbeatIntervalMs);
    post({ type: 'THREAD_READY', threadId, methods: started.methods, liveness });
  },
  (error: unknown) => post({ type: 'THREAD_FAILED', threadId, error: toWireError(error) }),
);

const channel = new BroadcastChannel(boot.channel);
channel.onmessage = (event) => {
  const message = event.data as PoolBroadcast;
  switch (message.type) {
    case 'BOOT':
      if (message.threadId === threadId) deliverBoot(message.services);
      return;
    case 'CANCEL': {
      const controller = running.get(message.id);
      if (controller !== undefined) {
        controller.abort(new BerthError(codes.CALL_ABORTED, 'the caller aborted the call'));
        return;
      }
      const now = Date.now();
      for (const [id, forgetAt] of cancelled) if (forgetAt <= now) cancelled.delete(id);
      cancelled.set(message.id, message.forgetAt);
      return;
    }
    case 'REQUEST':
      answer(message.op, message.args).then(
        (value) => post({ type: 'REPLY', requestId: message.requestId, threadId, ok: true, value }),
        (error: unknown) =>
          post({
            type: 'REPLY',
            requestId: message.requestId,
            threadId,
            ok: false,
            error: toWireError(error),
          }),
      );
      return;
  }
};
post({ type: 'HELLO', protocol: POOL_WIRE_VERSION, threadId });
// piscina hands a thread calls once this module has loaded: a replacement thread gets
// none before its plugin has started (a failure is reported above, never thrown here).
await instance.catch(() => undefined);

async function answer(op: string, args: unknown[]): Promise<unknown> {
  const started = await instance;
  switch (op) {
    case PoolOp.HEALTH:
      return started.health();
    case PoolOp.CONFIGURE: {
      const [service, config] = args as [string, Record<string, unknown>];
      await started.configure(service, config);
      return null;
    }
    case PoolOp.STOP:
      for (const controller of running.values()) {
        controller.abort(new BerthError(codes.PLUGIN_NOT_RUNNING, 'the plugin is stopping'));
      }
      await started.stop();
      // Nothing is left to hear: without this the channel would keep the thread alive.
      channel.close();
      return null;
    default:
      throw new BerthError(codes.PROTOCOL_MISMATCH, `unknown pool request "${op}"`, {
        plugin: plugin.name,
      });
  }
}

/**
 * Runs one call; piscina calls it (it is the pool's `name` export). Always resolves, with
 * `[true, value]` or `[false, wireError]` as the codec carries them: an error rejected to piscina
 * would lose its code on the way, and a value that cannot be encoded must fail this call
 * alone, not the thread.
 */
export async function runTask(task: PoolTask): Promise<unknown> {
  const { id, service, method, deadline } = task;
  // The host has already answered these; do not spend the plugin's time on them.
  if (cancelled.delete(id)) return failure(new BerthError(codes.CALL_ABORTED, 'aborted'));
  if (deadline !== 0 && Date.now() >= deadline) {
    return failure(new BerthError(codes.CALL_TIMEOUT, 'past its deadline before it started'));
  }
  const controller = new AbortController();
  running.set(id, controller);
  const slot = claimRunningSlot(liveness, id);
  try {
    const started = await instance;
    const args = codec.uncarry(task.args);
    const value = await started.call(service, method, args, controller.signal);
    return transfer(encodeResult(value, service, method));
  } catch (error) {
    return failure(error, service, method);
  } finally {
    running.delete(id);
    releaseRunningSlot(liveness, slot);
  }
}

function encodeResult(value: unknown, service: string, method: string): Carried {
  try {
    return codec.carry([true, value], 'outcome');
  } catch (error) {
    const refused = error as BerthError;
    throw new BerthError(
      codes.UNENCODABLE,
      `the result of ${service}.${method}: ${refused.message}`,
      {
        cause: refused.cause,
        service,
        method,
        data: refused.data,
      },
    );
  }
}

function failure(error: unknown, service?: string, method?: string): Carried {
  try {
    return codec.carry([false, toWireError(error)], 'outcome');
  } catch (encodeError) {
    // toWireError never throws and makes plain, bounded data, so msgpack should take it;
    // should it not, this call alone fails, and says why.
    const wire = toWireError(error);
    const unencodable = new BerthError(
      codes.UNENCODABLE,
      `the error thrown by ${service}.${method} cannot be encoded (${wire.name}: ${wire.message}): ${(encodeError as Error).message}`,
      { service, method },
    );
    return codec.carry([false, toWireError(unencodable)], 'outcome');
  }
}

function transfer(carried: Carried): unknown {
  return carried instanceof Uint8Array && carried.byteLength >= TRANSFER_BYTES
    ? move(carried)
    : carried;
}
