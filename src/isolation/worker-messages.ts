/**
 * The host's reading of what a plugin's worker posts on its control port. Nothing a
 * worker sends is trusted: each message is checked for shape before any of it is used,
 * and a message that is not one the wire defines (wire.ts `WorkerMessage`) is a protocol
 * violation, never an exception in the host's thread.
 *
 * Pure functions, so they are tested without threads.
 */
import type { WireError } from '../wire-error.js';
import type { HealthReport } from '../sdk/context.js';
import { MAX_LOG_BATCH } from './plugin-logs.js';
import type { PoolThreadMessage } from '../transport/pool-wire.js';
import type { ServiceMethods, WorkerMessage } from '../transport/wire.js';
import { isPlainObject } from '../plain-object.js';

/** A control message read and checked, or why it was refused. */
export type ReadMessage = { ok: true; message: WorkerMessage } | { ok: false; problem: string };

/**
 * Most lines a worker may say it dropped since its last batch: far more than a worker
 * can log between two batches, so the total stays a count, not a number a plugin picks.
 */
const MAX_DROPPED = 100_000_000;

/** Longest health `detail` the host keeps; the rest is cut. */
const MAX_DETAIL_CHARS = 1_000;
/** Most services and methods a started plugin may report, and the longest name. */
const MAX_SERVICES = 256;
const MAX_METHODS = 4_096;
const MAX_NAME_CHARS = 256;

/** Checks one message a worker posted on its control port. */
export function readWorkerMessage(value: unknown): ReadMessage {
  if (!isPlainObject(value)) return refuse(`a message that is ${describe(value)}, not an object`);
  switch (value['type']) {
    case 'READY':
      return isProtocol(value['protocol'])
        ? accept({ type: 'READY', protocol: value['protocol'] })
        : refuse('a READY without a protocol version');
    case 'LOAD_FAILED':
      return isProtocol(value['protocol']) && isPlainObject(value['error'])
        ? accept({
            type: 'LOAD_FAILED',
            protocol: value['protocol'],
            error: value['error'] as unknown as WireError,
          })
        : refuse('a LOAD_FAILED without a protocol version and an error');
    case 'CONTROL_RESULT': {
      const { id, ok } = value;
      if (!Number.isSafeInteger(id) || typeof ok !== 'boolean') {
        return refuse('a CONTROL_RESULT without a numeric id and an ok flag');
      }
      if (ok)
        return accept({ type: 'CONTROL_RESULT', id: id as number, ok, value: value['value'] });
      if (!isPlainObject(value['error'])) return refuse('a failed CONTROL_RESULT without an error');
      return accept({
        type: 'CONTROL_RESULT',
        id: id as number,
        ok,
        error: value['error'] as unknown as WireError,
      });
    }
    case 'LOGS': {
      const { lines, dropped } = value;
      // The length first: a batch too long is refused before its lines are looked at.
      if (Array.isArray(lines) && lines.length > MAX_LOG_BATCH) {
        return refuse(`a log batch of ${lines.length} lines (at most ${MAX_LOG_BATCH})`);
      }
      if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
        return refuse('a LOGS message whose lines are not all strings');
      }
      if (
        !Number.isSafeInteger(dropped) ||
        (dropped as number) < 0 ||
        (dropped as number) > MAX_DROPPED
      ) {
        return refuse('a LOGS message without a plausible count of dropped lines');
      }
      return accept({ type: 'LOGS', lines: lines as string[], dropped: dropped as number });
    }
    default:
      return refuse(`a message of unknown type ${describe(value['type'])}`);
  }
}

/** The methods a worker says its started services have, checked; undefined if malformed. */
export function readServiceMethods(
  value: unknown,
  services: readonly string[],
): ServiceMethods | undefined {
  if (!isPlainObject(value)) return undefined;
  const names = Object.keys(value);
  if (names.length > MAX_SERVICES || names.some((name) => !services.includes(name)))
    return undefined;
  const methods: ServiceMethods = {};
  for (const name of names) {
    const list = value[name];
    if (
      !Array.isArray(list) ||
      list.length > MAX_METHODS ||
      !list.every((m) => typeof m === 'string' && m.length <= MAX_NAME_CHARS)
    ) {
      return undefined;
    }
    methods[name] = [...(list as string[])];
  }
  return methods;
}

/** A health report a worker sent, checked and bounded; undefined if malformed. */
export function readHealthReport(value: unknown): HealthReport | undefined {
  if (!isPlainObject(value) || typeof value['ok'] !== 'boolean') return undefined;
  const { detail, ready } = value;
  if (detail !== undefined && typeof detail !== 'string') return undefined;
  if (ready !== undefined && typeof ready !== 'boolean') return undefined;
  const report: HealthReport = { ok: value['ok'] };
  if (detail !== undefined) report.detail = detail.slice(0, MAX_DETAIL_CHARS);
  if (ready !== undefined) report.ready = ready;
  return report;
}

function accept(message: WorkerMessage): ReadMessage {
  return { ok: true, message };
}

function refuse(problem: string): ReadMessage {
  return { ok: false, problem };
}

function isProtocol(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** What a value is, for a message (never its contents: it may be huge, or a secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}

/** A pool thread's message read and checked, or why it was refused. */
export type ReadPoolMessage =
  { ok: true; message: PoolThreadMessage } | { ok: false; problem: string };

/**
 * Checks one message a pool thread posted (piscina relays them without saying which
 * thread sent it: `threadId` is the thread's own word, checked only for its type).
 */
export function readPoolMessage(value: unknown): ReadPoolMessage {
  if (!isPlainObject(value)) return { ok: false, problem: `a message that is ${describe(value)}` };
  const { type, threadId } = value;
  if (type === 'LOGS') {
    const read = readWorkerMessage(value);
    return read.ok ? { ok: true, message: read.message as PoolThreadMessage } : read;
  }
  if (!Number.isSafeInteger(threadId)) {
    return { ok: false, problem: `a ${describe(type)} message without a thread id` };
  }
  const id = threadId as number;
  switch (type) {
    case 'HELLO':
      return isProtocol(value['protocol'])
        ? { ok: true, message: { type, threadId: id, protocol: value['protocol'] } }
        : { ok: false, problem: 'a HELLO without a protocol version' };
    case 'THREAD_READY': {
      const { methods, liveness } = value;
      if (!isPlainObject(methods) || !(liveness instanceof SharedArrayBuffer)) {
        return { ok: false, problem: 'a THREAD_READY without methods and a liveness buffer' };
      }
      return {
        ok: true,
        message: { type, threadId: id, methods: methods as ServiceMethods, liveness },
      };
    }
    case 'THREAD_FAILED':
      return isPlainObject(value['error'])
        ? {
            ok: true,
            message: { type, threadId: id, error: value['error'] as unknown as WireError },
          }
        : { ok: false, problem: 'a THREAD_FAILED without an error' };
    case 'REPLY': {
      const { requestId, ok } = value;
      if (!Number.isSafeInteger(requestId) || typeof ok !== 'boolean') {
        return { ok: false, problem: 'a REPLY without a request id and an ok flag' };
      }
      if (ok) {
        return {
          ok: true,
          message: {
            type,
            threadId: id,
            requestId: requestId as number,
            ok,
            value: value['value'],
          },
        };
      }
      if (!isPlainObject(value['error']))
        return { ok: false, problem: 'a failed REPLY without an error' };
      return {
        ok: true,
        message: {
          type,
          threadId: id,
          requestId: requestId as number,
          ok,
          error: value['error'] as unknown as WireError,
        },
      };
    }
    default:
      return { ok: false, problem: `a message of unknown type ${describe(type)}` };
  }
}
