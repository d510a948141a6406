/**
 * Errors on the wire: anything thrown, made plain data for the trip across a thread or
 * process boundary (`toWireError`), and rebuilt on the other side (`fromWireError`)
 * without trusting a byte of it. Shared by the host and the plugin side, so it imports
 * nothing but src/errors.ts and src/error-bounds.ts.
 */
import { BerthError, codes, type BerthErrorCode } from './errors.js';
import {
  boundText,
  copyData,
  describeValue,
  MAX_CAUSE_DEPTH,
  MAX_CODE_CHARS,
  MAX_MESSAGE_CHARS,
  MAX_NAME_CHARS,
  MAX_STACK_CHARS,
  readSafely,
  textOf,
  UNINSPECTABLE,
  UNREADABLE,
} from './error-bounds.js';
import { isPlainObject } from './plain-object.js';

/**
 * The Berth codes a plugin may report: they come from the plugin's own code (a storage
 * plugin's INVALID_ARGUMENT and REVISION_CONFLICT, which src/service/http-errors.ts maps
 * to 400 and 409) or from the engine that runs inside its worker (src/sdk,
 * src/plugin-side/call-server.ts, workers/): a method or service that is not there, a
 * result that cannot be encoded, a config refused, a start or a migration that failed,
 * a module that cannot be loaded, a worker of another wire version, a backend (a database)
 * the plugin cannot reach. Every other code
 * (PLUGIN_CRASHED, PLUGIN_HUNG, PLUGIN_OOM, CALL_TIMEOUT, CALL_ABORTED, HOST_CLOSED,
 * OVERLOADED, PLUGIN_FAILED, PLUGIN_UNHEALTHY, PLUGIN_NOT_RUNNING, PROTOCOL, …) states
 * what the host saw, and only the host may say it: {@link fromWireError} never believes
 * one from the wire. test/unit/errors.test.ts pins this list.
 */
export const PLUGIN_REPORTABLE_CODES: ReadonlySet<BerthErrorCode> = new Set<BerthErrorCode>([
  codes.PLUGIN_ERROR,
  codes.INVALID_ARGUMENT,
  codes.REVISION_CONFLICT,
  codes.UNENCODABLE,
  codes.METHOD_NOT_FOUND,
  codes.SERVICE_NOT_FOUND,
  codes.CONFIG_INVALID,
  codes.START_FAILED,
  codes.MIGRATION_INVALID,
  codes.MIGRATION_MISMATCH,
  codes.MIGRATION_FAILED,
  codes.MIGRATION_IRREVERSIBLE,
  codes.PLUGIN_LOAD,
  codes.PLUGIN_NOT_BRANDED,
  codes.PLUGIN_SERVICES_MISMATCH,
  codes.PROTOCOL_MISMATCH,
  codes.BACKEND_UNAVAILABLE,
]);

/**
 * An error as it travels on the wire: plain data, safe for any codec, each string
 * bounded (src/error-bounds.ts). What {@link toWireError} makes; {@link fromWireError}
 * takes anything.
 */
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  plugin?: string | undefined;
  service?: string | undefined;
  method?: string | undefined;
  data?: Record<string, unknown> | undefined;
  cause?: WireError | undefined;
}

/**
 * Turns anything thrown into plain data for the wire, and never throws. Keeps name,
 * message, stack, a string `code` (Node's and Berth's alike), a BerthError's site and
 * `data`, and the chain of causes, each bounded: strings cut (MAX_*_CHARS), causes to
 * {@link MAX_CAUSE_DEPTH} (so a cyclic chain stops), `data` copied as plain data. Reads
 * that throw (a Proxy, a getter) leave their field out; a value that cannot be read at
 * all becomes a NonError saying so. A BerthError whose `data` is not plain data (a
 * symbol, a cycle, a class instance) arrives without it, as the cause of an error without
 * a code that says why: the caller gets BERTH_ERR_PLUGIN_ERROR, not the thrown code (a
 * cause's data that is not plain data is just left out).
 */
export function toWireError(thrown: unknown): WireError {
  return wireOf(thrown, 0);
}

function wireOf(thrown: unknown, depth: number): WireError {
  try {
    if (readSafely(() => thrown instanceof Error) !== true) {
      return { name: 'NonError', message: describeValue(thrown) };
    }
    const error = thrown as Error & Record<string, unknown>;
    const read = (key: string): unknown => readSafely(() => error[key]);
    const wire: WireError = {
      name: textOf(read('name'), MAX_NAME_CHARS) ?? 'Error',
      message: messageOf(read('message')),
    };
    const stack = textOf(read('stack'), MAX_STACK_CHARS);
    if (stack !== undefined) wire.stack = stack;
    const code = textOf(read('code'), MAX_CODE_CHARS);
    if (code !== undefined) wire.code = code;
    let refused: string | undefined;
    if (readSafely(() => thrown instanceof BerthError) === true) {
      wire.plugin = textOf(read('plugin'), MAX_NAME_CHARS);
      wire.service = textOf(read('service'), MAX_NAME_CHARS);
      wire.method = textOf(read('method'), MAX_NAME_CHARS);
      const data = read('data');
      const copied = data === undefined ? undefined : copyData(data, true);
      if (copied?.ok === true && isPlainObject(copied.value)) wire.data = copied.value;
      else if (copied !== undefined) refused = copied.ok ? 'it is not an object' : copied.reason;
    }
    // Wrapped for refused data, this error sits one level lower: its causes too.
    const causeDepth = depth + (refused !== undefined && depth === 0 ? 2 : 1);
    const cause = read('cause');
    if (cause !== undefined && causeDepth <= MAX_CAUSE_DEPTH) {
      wire.cause =
        cause === UNREADABLE
          ? { name: 'NonError', message: UNINSPECTABLE }
          : wireOf(cause, causeDepth);
    }
    if (refused === undefined || depth > 0) return wire;
    return {
      name: 'Error',
      message: boundText(
        `${wire.name} thrown with data that cannot cross the wire (${refused}); it arrives without its data: ${wire.message}`,
        MAX_MESSAGE_CHARS,
      ),
      cause: wire,
    };
  } catch {
    // Only a built-in patched to throw gets here (the plugin shares the worker's realm).
    return { name: 'NonError', message: UNINSPECTABLE };
  }
}

/** An error's message: bounded if a string, described if not, a marker if unreadable. */
function messageOf(message: unknown): string {
  if (message === UNREADABLE) return UNINSPECTABLE;
  if (message === undefined) return '';
  return textOf(message, MAX_MESSAGE_CHARS) ?? describeValue(message);
}

/**
 * Rebuilds an error from whatever a worker sent, and never throws: the wire is not
 * trusted (any shape, any size). Bounds again what {@link toWireError} bounded: strings
 * cut, causes to {@link MAX_CAUSE_DEPTH}, `data` kept only as plain data. A code in
 * {@link PLUGIN_REPORTABLE_CODES} comes back as a BerthError with that code; any other
 * code, a host code included, as a plain Error that keeps it as `code` (visible, never
 * believed), with the original name and stack.
 */
export function fromWireError(wire: unknown): Error {
  return rebuild(wire, 0);
}

function rebuild(wire: unknown, depth: number): Error {
  try {
    if (!isPlainObject(wire)) {
      const error = new Error(
        boundText(
          `a malformed error came over the wire: ${describeValue(wire)}`,
          MAX_MESSAGE_CHARS,
        ),
      );
      error.name = 'NonError';
      return error;
    }
    const field = (key: keyof WireError): unknown => readSafely(() => wire[key]);
    const message = messageOf(field('message'));
    const stack = textOf(field('stack'), MAX_STACK_CHARS);
    const code = textOf(field('code'), MAX_CODE_CHARS);
    const next = field('cause');
    const cause =
      next === undefined || next === null || depth >= MAX_CAUSE_DEPTH
        ? undefined
        : rebuild(next, depth + 1);
    let error: Error;
    if (code !== undefined && PLUGIN_REPORTABLE_CODES.has(code as BerthErrorCode)) {
      const data = copyData(field('data'), true);
      error = new BerthError(code as BerthErrorCode, message, {
        plugin: textOf(field('plugin'), MAX_NAME_CHARS),
        service: textOf(field('service'), MAX_NAME_CHARS),
        method: textOf(field('method'), MAX_NAME_CHARS),
        data: data.ok && isPlainObject(data.value) ? data.value : undefined,
        cause,
      });
    } else {
      error = new Error(message, cause === undefined ? undefined : { cause });
      error.name = textOf(field('name'), MAX_NAME_CHARS) ?? 'Error';
      if (code !== undefined) Object.assign(error, { code });
    }
    if (stack !== undefined) error.stack = stack;
    return error;
  } catch {
    return new Error('an error came over the wire that cannot be read');
  }
}

/**
 * A short description of anything thrown, for messages: an Error's message, a string
 * as it is, anything else as bounded JSON; at most MAX_MESSAGE_CHARS, and never throws.
 */
export function describeThrown(thrown: unknown): string {
  if (readSafely(() => thrown instanceof Error) !== true) return describeValue(thrown);
  return messageOf(readSafely(() => (thrown as Error).message));
}
