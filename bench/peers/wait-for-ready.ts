/**
 * The client half of every peer server's handshake: a transport's `open()` resolves only
 * once the other side has said it can answer.
 */
import type { EventEmitter } from 'node:events';
import { isReadyMessage, type ReadyMessage } from '../servers/wire.js';

/** How long a server may take to start (a worker answers in ~50 ms, a gRPC child in ~0.5 s). */
const START_TIMEOUT_MS = 30_000;

/**
 * Resolves with the ready message `side` (a Worker or ChildProcess) sends; rejects, naming
 * `transport`, if it fails, exits, or stays silent for 30 s first. Removes its listeners
 * either way.
 */
export function waitForReady(side: EventEmitter, transport: string): Promise<ReadyMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (!isReadyMessage(message)) return;
      stop();
      resolve(message);
    };
    const onError = (error: unknown): void => {
      stop();
      reject(new Error(`${transport}: the server failed to start`, { cause: error }));
    };
    const onExit = (code: number | null): void => {
      stop();
      reject(new Error(`${transport}: the server exited (code ${code}) before it was ready`));
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${transport}: the server was not ready after ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const stop = (): void => {
      clearTimeout(timer);
      side.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    side.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}
