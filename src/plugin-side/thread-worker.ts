/**
 * The plugin side of thread isolation: a plugin's dedicated worker thread. Control goes
 * over the thread's port; calls over the shared-memory data plane (call-server.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { startHeartbeat } from '../transport/heartbeat.js';
import type { HostMessage, WorkerBoot } from '../transport/wire.js';
import { serveCalls } from './call-server.js';
import { runPluginWorker } from './plugin-worker.js';

/** Runs a plugin worker on its control `port` (the parentPort) with the `boot` it was given. */
export function runThreadWorker(port: MessagePort, boot: WorkerBoot): void {
  runPluginWorker(
    {
      post: (message) => port.postMessage(message),
      onControl: (listener) => port.on('message', (message: HostMessage) => listener(message)),
      serve: (dispatch) =>
        serveCalls({ buffers: boot.buffers, port: boot.dataPort, spinUs: boot.spinUs }, dispatch),
      startHeartbeat: () => void startHeartbeat(boot.liveness, boot.heartbeatIntervalMs),
    },
    boot,
  );
}
