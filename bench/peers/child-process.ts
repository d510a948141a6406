/**
 * Child-process IPC: a forked Node process answers each call over the IPC channel, with
 * structured-clone serialization. What process isolation costs per call.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Transport } from '../transport.js';
import type { CallReply, CallRequest } from '../servers/wire.js';
import { createPendingCalls } from './pending-calls.js';
import { stopChild } from './stop-child.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'child process IPC';
const SERVER = fileURLToPath(new URL('../servers/child-process-server.js', import.meta.url));

/** A transport that sends `{ id, payload }` to a forked child and matches `{ id, value }` replies by id. */
export function createChildProcessTransport(): Transport {
  const pending = createPendingCalls(NAME);
  let child: ChildProcess | undefined;

  return {
    name: NAME,
    async open() {
      // 'advanced' is the structured clone algorithm: the binary payload arrives as a
      // Uint8Array ('json', the default, would turn it into an object of numbers).
      child = fork(SERVER, { serialization: 'advanced' });
      pending.failOn(child, 'the child process');
      // The ready message has no pending id, so resolve() ignores it.
      child.on('message', (reply: CallReply) => pending.resolve(reply.id, reply.value));
      await waitForReady(child, NAME);
    },
    call(payload, id) {
      return pending.add(id, () => {
        if (child?.connected !== true) throw new Error('not open');
        const request: CallRequest = { id, payload };
        child.send(request);
      });
    },
    childPids: () => (child?.pid === undefined ? [] : [child.pid]),
    async close() {
      pending.failAll('closed');
      await stopChild(child);
    },
  };
}
