/**
 * Thread isolation: a plugin in a worker thread of its own (dedicated-runtime.ts), its
 * calls on the shared-memory data plane (call-client.ts): rings, an arena, a doorbell.
 * The buffers are the plugin's, kept between its workers (buffer-shelf.ts).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { createCallClient, type CallClient } from '../transport/call-client.js';
import { createLivenessBuffer } from '../transport/heartbeat.js';
import type { SharedBuffers } from '../transport/shared-layout.js';
import {
  DedicatedRuntime,
  type LaunchedWorker,
  type LauncherHooks,
  type WorkerLauncher,
} from './dedicated-runtime.js';
import type { PluginRuntime, RuntimeSpec } from './runtime.js';
import { spawnPluginWorker } from './spawn-plugin-worker.js';
import { ThreadEndpoint } from './worker-endpoint.js';

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

/** Starts nothing yet: `start()` spawns the worker. */
export function createThreadRuntime(spec: RuntimeSpec): PluginRuntime {
  return new DedicatedRuntime(spec, (hooks) => new ThreadLauncher(spec, hooks));
}

/** A worker thread and its shared buffers. */
class ThreadLauncher implements WorkerLauncher {
  readonly isolation = 'thread';
  readonly client: CallClient;
  readonly #buffers: SharedBuffers;
  readonly #dataPort: MessagePort;

  constructor(
    private readonly spec: RuntimeSpec,
    hooks: LauncherHooks,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.#dataPort = port2;
    this.#buffers = spec.buffers.take();
    this.client = createCallClient({
      buffers: this.#buffers,
      port: port1,
      plugin: spec.boot.name,
      logger: spec.logger,
      pollUs: spec.spinUs ?? DEFAULT_SPIN_US,
      present: hooks.present,
      onViolation: (error) => hooks.violate(error.data?.['detail'] as string, error),
    });
  }

  launch(): LaunchedWorker {
    const { spec } = this;
    const liveness = createLivenessBuffer();
    const worker = spawnPluginWorker(spec, {
      dataPort: this.#dataPort,
      buffers: this.#buffers,
      liveness,
      spinUs: spec.spinUs ?? DEFAULT_SPIN_US,
    });
    liveWorkers += 1;
    return { endpoint: new ThreadEndpoint(worker), liveness };
  }

  get dataPlane() {
    return this.client.stats;
  }

  exited(): void {
    liveWorkers -= 1;
    // The buffers go back for the next worker of this plugin only now that no thread can
    // write them, and only if no zero-copy result still views the arena.
    if (this.client.stats.arenaBytesInUse === 0) this.spec.buffers.give(this.#buffers);
  }
}
