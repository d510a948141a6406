/**
 * How each kind of plugin worker speaks to its handle (worker-handle.ts): its messages
 * read and checked (worker-messages.ts) and put as the handle's few, and the message that
 * carries a control request to it.
 */
import assert from 'node:assert/strict';
import { ControlOp, type ControlOpName, type HostMessage } from '../transport/wire.js';
import type { PoolBroadcast, PoolOpName, PoolThreadMessage } from '../transport/pool-wire.js';
import type { HandleMessage, WorkerDialect } from './worker-state.js';
import { readWorkerMessage } from './worker-messages.js';

const controlOps: readonly string[] = Object.values(ControlOp);

/**
 * A dedicated worker (thread isolation): READY is its hello and its LOADED at once,
 * LOAD_FAILED its hello and its failure; requests are CONTROL messages.
 */
export const threadDialect: WorkerDialect = {
  read(value) {
    const read = readWorkerMessage(value);
    if (!read.ok) return read;
    const message = read.message;
    switch (message.type) {
      case 'READY':
        return accept({ type: 'HELLO', protocol: message.protocol }, { type: 'LOADED' });
      case 'LOAD_FAILED':
        return accept(
          { type: 'HELLO', protocol: message.protocol },
          { type: 'LOAD_FAILED', error: message.error },
        );
      case 'CONTROL_RESULT':
        return accept(
          message.ok
            ? { type: 'REPLY', id: message.id, ok: true, value: message.value }
            : { type: 'REPLY', id: message.id, ok: false, error: message.error },
        );
      case 'LOGS':
        return accept(message);
    }
  },
  request(id, op, args): HostMessage {
    assert.ok(controlOps.includes(op), `not a control op: ${op}`);
    return { type: 'CONTROL', id, op: op as ControlOpName, args };
  },
};

/**
 * Pool thread `threadId` (pool isolation). Its messages arrive already read and sorted by
 * thread (pool-threads.ts): HELLO, THREAD_READY (LOADED, with its liveness buffer),
 * THREAD_FAILED, REPLY. Requests go out on the pool's broadcast channel, addressed to it.
 */
export function poolThreadDialect(threadId: number, livenessBytes: number): WorkerDialect {
  return {
    read(value) {
      const message = value as PoolThreadMessage;
      switch (message.type) {
        case 'HELLO':
          return accept({ type: 'HELLO', protocol: message.protocol });
        case 'THREAD_READY':
          if (message.liveness.byteLength !== livenessBytes) {
            return {
              ok: false,
              problem: `a liveness buffer of ${message.liveness.byteLength} bytes`,
            };
          }
          return accept({ type: 'LOADED', liveness: message.liveness, methods: message.methods });
        case 'THREAD_FAILED':
          return accept({ type: 'LOAD_FAILED', error: message.error });
        case 'REPLY':
          return accept(
            message.ok
              ? { type: 'REPLY', id: message.requestId, ok: true, value: message.value }
              : { type: 'REPLY', id: message.requestId, ok: false, error: message.error },
          );
        case 'LOGS':
          return accept(message);
        default:
          // readPoolMessage lets no other type through; refuse one should it ever come.
          return {
            ok: false,
            problem: `a message of type ${JSON.stringify((message as { type?: unknown }).type)}`,
          };
      }
    },
    request(requestId, op, args): PoolBroadcast {
      return { type: 'REQUEST', requestId, threadId, op: op as PoolOpName, args };
    },
  };
}

function accept(...messages: HandleMessage[]): { ok: true; messages: HandleMessage[] } {
  return { ok: true, messages };
}
