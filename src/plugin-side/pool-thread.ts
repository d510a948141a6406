/**
 * The plugin side of pool isolation: what runs in every thread of a plugin's piscina
 * pool (src/transport/pool-wire.ts has the whole exchange).
 *
 * Each thread runs an instance of the plugin of its own: it says HELLO, waits for the
 * config in force (BOOT), imports the plugin and starts it (factories, migrations,
 * onStart, in serviceOrder), then reports THREAD_READY or THREAD_FAILED. Nothing is
 * shared between the threads but what the plugin keeps outside its own memory (a
 * database, files): this is why pool isolation is for stateless services.
 *
 * Loading never throws: piscina would replace a thread whose module fails, again and
 * again. A plugin that cannot start is reported instead, and a task that reaches the
 * thread anyway (piscina hands the first threads tasks before their module has loaded)
 * fails with the start error.
 */
import { BroadcastChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BerthError, callAbortedError, codes } from '../errors.js';
import { toWireError } from '../wire-error.js';
import { startHeartbeat } from '../transport/heartbeat.js';
import {
  claimRunningSlot,
  createPoolLiveness,
  POOL_WIRE_VERSION,
  PoolOp,
  releaseRunningSlot,
  type PoolBoot,
  type PoolBroadcast,
  type PoolTask,
  type PoolThreadMessage,
} from '../transport/pool-wire.js';
import type { PluginBoot } from '../transport/wire.js';
import { loadPlugin } from './load-plugin.js';
import { startPluginInstance, type PluginInstance } from './plugin-instance.js';
import { carryFailure, carryValue, taskArgs } from './pool-outcome.js';
import { checkWireVersion, createWorkerLogger, keepOnlyEnv } from './worker-setup.js';

/** One pool thread's plugin side. */
export interface PoolThread {
  /** Runs one call; piscina calls it. Always resolves, with an outcome pool-wire carries. */
  runTask(task: PoolTask): Promise<unknown>;
  /** Settles (never rejects) once the plugin has started here, or failed to. */
  readonly loaded: Promise<void>;
}

/** Starts the plugin side of the pool thread `threadId`; it says HELLO at once. */
export function startPoolThread(port: MessagePort, boot: PoolBoot, threadId: number): PoolThread {
  const post = (message: PoolThreadMessage): void => port.postMessage(message);
  keepOnlyEnv(boot.envNames);
  const logger = createWorkerLogger(boot.logLevel, boot.logLimits, (lines, dropped) =>
    post({ type: 'LOGS', lines, dropped }),
  );
  const liveness = createPoolLiveness(boot.tasksPerThread);
  let deliverBoot: (services: PluginBoot['services']) => void = () => {};
  const booted = new Promise<PluginBoot['services']>((resolve) => (deliverBoot = resolve));
  const instance = booted.then((services) => startInstance(boot, services, logger));
  instance.then(
    (started) => {
      // Beats start once the plugin runs; from then on a stall of the loop is a hang.
      startHeartbeat(liveness, boot.heartbeatIntervalMs);
      post({ type: 'THREAD_READY', threadId, methods: started.methods, liveness });
    },
    (error: unknown) => post({ type: 'THREAD_FAILED', threadId, error: toWireError(error) }),
  );
  const calls = new PoolThreadCalls(instance, liveness);
  const channel = new BroadcastChannel(boot.channel);
  const answer = async (op: string, args: unknown[]): Promise<unknown> => {
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
        calls.abortAll();
        await started.stop();
        // Nothing is left to hear: without this the channel would keep the thread alive.
        channel.close();
        return null;
      default:
        throw new BerthError(codes.PROTOCOL_MISMATCH, `unknown pool request "${op}"`, {
          plugin: boot.plugin.name,
        });
    }
  };
  channel.onmessage = (event) => {
    const message = event.data as PoolBroadcast;
    switch (message.type) {
      case 'BOOT':
        if (message.threadId === threadId) deliverBoot(message.services);
        return;
      case 'CANCEL':
        calls.cancel(message.id, message.forgetAt);
        return;
      case 'REQUEST': {
        const { requestId } = message;
        if (message.threadId !== threadId) return;
        answer(message.op, message.args).then(
          (value) => post({ type: 'REPLY', requestId, threadId, ok: true, value }),
          (error: unknown) =>
            post({ type: 'REPLY', requestId, threadId, ok: false, error: toWireError(error) }),
        );
        return;
      }
    }
  };
  post({ type: 'HELLO', protocol: POOL_WIRE_VERSION, threadId });
  return {
    runTask: (task) => calls.run(task),
    loaded: instance.then(
      () => undefined,
      () => undefined,
    ),
  };
}

/** Checks the pool wire version, loads the plugin and starts an instance of it. */
async function startInstance(
  boot: PoolBoot,
  services: PluginBoot['services'],
  logger: Logger,
): Promise<PluginInstance> {
  const { plugin } = boot;
  checkWireVersion(boot.protocol, POOL_WIRE_VERSION, {
    wire: 'pool wire',
    self: 'this thread',
    plugin: plugin.name,
  });
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
}

/** The calls one pool thread runs, each with its signal and its RUNNING slot. */
class PoolThreadCalls {
  /** Calls running here, by id, to abort on CANCEL. */
  readonly #running = new Map<number, AbortController>();
  /** CANCELs for calls not (yet) seen here, until their deadline: a call may arrive later. */
  readonly #cancelled = new Map<number, number>();

  constructor(
    private readonly instance: Promise<PluginInstance>,
    private readonly liveness: SharedArrayBuffer,
  ) {}

  cancel(id: number, forgetAt: number): void {
    const controller = this.#running.get(id);
    if (controller !== undefined) {
      controller.abort(callAbortedError());
      return;
    }
    const now = Date.now();
    for (const [known, at] of this.#cancelled) if (at <= now) this.#cancelled.delete(known);
    this.#cancelled.set(id, forgetAt);
  }

  abortAll(): void {
    for (const controller of this.#running.values()) {
      controller.abort(new BerthError(codes.PLUGIN_NOT_RUNNING, 'the plugin is stopping'));
    }
  }

  /**
   * Runs one call. Always resolves, with `[true, value]` or `[false, wireError]` as the
   * codec carries them: an error rejected to piscina would lose its code on the way, and
   * a value that cannot be encoded must fail this call alone, not the thread.
   */
  async run(task: PoolTask): Promise<unknown> {
    const { id, service, method, deadline } = task;
    // The host has already answered these; do not spend the plugin's time on them.
    if (this.#cancelled.delete(id)) {
      return carryFailure(callAbortedError());
    }
    if (deadline !== 0 && Date.now() >= deadline) {
      return carryFailure(
        new BerthError(codes.CALL_TIMEOUT, 'past its deadline before it started'),
      );
    }
    const controller = new AbortController();
    this.#running.set(id, controller);
    const slot = claimRunningSlot(this.liveness, id);
    try {
      const started = await this.instance;
      const value = await started.call(service, method, taskArgs(task), controller.signal);
      return carryValue(task, value);
    } catch (error) {
      return carryFailure(error, service, method);
    } finally {
      this.#running.delete(id);
      releaseRunningSlot(this.liveness, slot);
    }
  }
}
