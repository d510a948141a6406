/**
 * Process isolation: a plugin in a Node.js process of its own (dedicated-runtime.ts),
 * for plugins the host does not trust or that load native code. Whatever kills a process
 * (a segfault in an addon, `process.kill(process.pid)`, `process.abort()`, memory off
 * the heap) kills only the plugin's. Calls travel on the pipe (pipe-call-client.ts);
 * the heartbeat is a frame on it, counted into a liveness word only the host holds.
 */
import { chownSync, mkdirSync } from 'node:fs';
import { BerthError, codes } from '../errors.js';
import { HEARTBEAT_INDEX, createLivenessBuffer } from '../transport/heartbeat.js';
import { PipeCallClient } from '../transport/pipe-call-client.js';
import { WIRE_VERSION, type ProcessBoot } from '../transport/wire.js';
import {
  DedicatedRuntime,
  type LaunchedWorker,
  type LauncherHooks,
  type WorkerLauncher,
} from './dedicated-runtime.js';
import { ProcessEndpoint, type ProcessLimits } from './process-endpoint.js';
import type { PluginRuntime, RuntimeSpec } from './runtime.js';
import { heartbeatInterval } from './spawn-plugin-worker.js';

/**
 * The largest frame the host reads from a plugin process: a result larger than this is a
 * protocol violation (the host would otherwise have to hold whatever length a plugin
 * claims).
 */
export const MAX_PROCESS_FRAME_BYTES = 256 << 20;

/** Starts nothing yet: `start()` spawns the process. */
export function createProcessRuntime(spec: RuntimeSpec): PluginRuntime {
  return new DedicatedRuntime(spec, (hooks) => new ProcessLauncher(spec, hooks));
}

/** A plugin process and the pipe to it. */
class ProcessLauncher implements WorkerLauncher {
  readonly isolation = 'process';
  readonly client: PipeCallClient;
  #endpoint: ProcessEndpoint | undefined;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly hooks: LauncherHooks,
  ) {
    this.client = new PipeCallClient({
      plugin: spec.boot.name,
      present: hooks.present,
      onViolation: (detail) => hooks.violate(detail),
    });
  }

  launch(): LaunchedWorker {
    const { spec, hooks, client } = this;
    const limits = spec.processLimits ?? {};
    refuseIdentityWithoutRoot(spec.boot.name, limits);
    mkdirSync(spec.boot.dataDir, { recursive: true });
    // A plugin run as another user works in its data folder: the folder is made its own.
    if (limits.uid !== undefined || limits.gid !== undefined) {
      chownSync(spec.boot.dataDir, limits.uid ?? -1, limits.gid ?? -1);
    }
    const liveness = createLivenessBuffer();
    const words = new Int32Array(liveness);
    const heapMb = spec.resourceLimits?.maxOldGenerationSizeMb;
    const endpoint = new ProcessEndpoint({
      cwd: spec.boot.dataDir,
      env: spec.env,
      nodeFlags: heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`],
      limits,
      maxFrameBytes: MAX_PROCESS_FRAME_BYTES,
      maxLineChars: spec.logLimits.maxLineChars,
      output: (lines) => spec.logs.take(lines, 0),
      data: {
        data: (frame) => client.takeFrame(frame),
        bytes: (id, bytes) => client.takeBytes(id, bytes),
        beat: () => void Atomics.add(words, HEARTBEAT_INDEX, 1),
        violation: (detail, cause) => hooks.violate(detail, cause),
      },
    });
    this.#endpoint = endpoint;
    client.attach(endpoint.channel);
    const boot: ProcessBoot = {
      type: 'BOOT',
      protocol: WIRE_VERSION,
      plugin: spec.boot,
      logLevel: spec.logger.level,
      logLimits: spec.logLimits,
      envNames: Object.keys(spec.env),
      heartbeatIntervalMs: heartbeatInterval(spec.hangTimeoutMs),
    };
    endpoint.post(boot);
    return { endpoint, liveness, process: true };
  }

  get process() {
    return this.#endpoint?.figures;
  }

  exited(): void {}
}

/**
 * setuid and setgid need root: says so (BERTH_ERR_START_FAILED) before spawning rather
 * than fail with EPERM. `hostUid` is the host's own (undefined where there are no uids).
 */
export function refuseIdentityWithoutRoot(
  plugin: string,
  limits: ProcessLimits,
  hostUid = process.getuid?.(),
): void {
  if (limits.uid === undefined && limits.gid === undefined) return;
  if (hostUid === 0) return;
  throw new BerthError(
    codes.START_FAILED,
    `plugin "${plugin}" is to run as uid ${limits.uid ?? '-'} gid ${limits.gid ?? '-'}, which needs the host to run as root; run the host as root or remove processLimits.uid and gid`,
    { plugin, data: { uid: limits.uid, gid: limits.gid } },
  );
}
