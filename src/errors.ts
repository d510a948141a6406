/**
 * One error class for all of Berth, and the table of its codes.
 *
 * The `code` is the API: callers, tests and the HTTP service branch on it. Class
 * identity does not survive a thread boundary, so nothing may depend on it; codes are
 * never renamed and never reused (test/unit/errors.test.ts pins the whole list).
 *
 * This module is shared by the host and the worker side of the wire, so it imports
 * nothing but Node built-ins.
 */

/** Every code Berth raises, with what it means. Add at the end; never rename or reuse. */
export const codes = {
  /** plugin.json is missing or unreadable. */
  MANIFEST_NOT_FOUND: 'BERTH_ERR_MANIFEST_NOT_FOUND',
  /** plugin.json is not valid JSON. */
  MANIFEST_PARSE: 'BERTH_ERR_MANIFEST_PARSE',
  /** plugin.json parsed but a field is wrong; `data.field` names it. */
  MANIFEST_INVALID: 'BERTH_ERR_MANIFEST_INVALID',
  /** The plugin's `engines.berth` range does not include this host's version. */
  ENGINE_INCOMPATIBLE: 'BERTH_ERR_ENGINE_INCOMPATIBLE',
  /** A path in the manifest (`main`, a migration) leads outside the plugin's folder. */
  PATH_ESCAPE: 'BERTH_ERR_PATH_ESCAPE',
  /** Two discovered plugins share one name. */
  PLUGIN_DUPLICATE: 'BERTH_ERR_PLUGIN_DUPLICATE',
  /** The plugin's main module could not be imported. */
  PLUGIN_LOAD: 'BERTH_ERR_PLUGIN_LOAD',
  /** The main module's default export is not the result of `definePlugin(...)`. */
  PLUGIN_NOT_BRANDED: 'BERTH_ERR_PLUGIN_NOT_BRANDED',
  /** The module's services and the manifest's services disagree. */
  PLUGIN_SERVICES_MISMATCH: 'BERTH_ERR_PLUGIN_SERVICES_MISMATCH',
  /** No plugin of that name is known to the host. */
  PLUGIN_NOT_FOUND: 'BERTH_ERR_PLUGIN_NOT_FOUND',
  /** The plugin is known but not running, so it cannot take calls. */
  PLUGIN_NOT_RUNNING: 'BERTH_ERR_PLUGIN_NOT_RUNNING',
  /** A plugin method or hook threw an error of its own (the original is the `cause`). */
  PLUGIN_ERROR: 'BERTH_ERR_PLUGIN_ERROR',
  /** The plugin's worker exited while calls were in flight. */
  PLUGIN_CRASHED: 'BERTH_ERR_PLUGIN_CRASHED',
  /** A service's `onStart` hook failed, so the plugin did not start. */
  START_FAILED: 'BERTH_ERR_START_FAILED',
  /** No running plugin provides a service of that name. */
  SERVICE_NOT_FOUND: 'BERTH_ERR_SERVICE_NOT_FOUND',
  /** More than one running plugin provides the service; qualify it as `plugin/service`. */
  SERVICE_AMBIGUOUS: 'BERTH_ERR_SERVICE_AMBIGUOUS',
  /** The service has no method of that name. */
  METHOD_NOT_FOUND: 'BERTH_ERR_METHOD_NOT_FOUND',
  /** Arguments or a result could not be encoded for the wire (a symbol, a cycle, …). */
  UNENCODABLE: 'BERTH_ERR_UNENCODABLE',
  /** Host and worker speak different wire protocol versions. */
  PROTOCOL_MISMATCH: 'BERTH_ERR_PROTOCOL_MISMATCH',
  /** The requested isolation mode is not available. */
  ISOLATION_UNSUPPORTED: 'BERTH_ERR_ISOLATION_UNSUPPORTED',
  /** The host was closed; it takes no more calls. */
  HOST_CLOSED: 'BERTH_ERR_HOST_CLOSED',
  /** A host option or config value is wrong; the message names it. */
  CONFIG_INVALID: 'BERTH_ERR_CONFIG_INVALID',
  /** The caller's AbortSignal fired before the call settled. */
  CALL_ABORTED: 'BERTH_ERR_CALL_ABORTED',
  /** A request to a plugin was malformed (a bad selector, a bad continue token, …). */
  INVALID_ARGUMENT: 'BERTH_ERR_INVALID_ARGUMENT',
  /** A write named an expected revision that is no longer current. */
  REVISION_CONFLICT: 'BERTH_ERR_REVISION_CONFLICT',
  /** A plugin directory named by `--plugins`, `BERTH_PLUGINS` or the config is missing. */
  PLUGIN_DIR_NOT_FOUND: 'BERTH_ERR_PLUGIN_DIR_NOT_FOUND',
  /** The plugin's event loop stopped beating (an endless loop, a blocked loop); its worker was replaced. */
  PLUGIN_HUNG: 'BERTH_ERR_PLUGIN_HUNG',
  /** The plugin's worker ran out of heap (its manifest `resourceLimits`); it was replaced. */
  PLUGIN_OOM: 'BERTH_ERR_PLUGIN_OOM',
  /** The call passed its deadline before the plugin answered. */
  CALL_TIMEOUT: 'BERTH_ERR_CALL_TIMEOUT',
  /** The plugin already has as many calls in flight as it may; retry later. */
  OVERLOADED: 'BERTH_ERR_OVERLOADED',
  /** The plugin crashed too often and its breaker is open: calls fail fast until it half-opens or an operator restarts it. */
  PLUGIN_FAILED: 'BERTH_ERR_PLUGIN_FAILED',
  /** The plugin failed its health checks too many times in a row and was restarted. */
  PLUGIN_UNHEALTHY: 'BERTH_ERR_PLUGIN_UNHEALTHY',
  /** An HTTP request named something that does not exist (a resource, a revision, a plugin). */
  NOT_FOUND: 'BERTH_ERR_NOT_FOUND',
  /** An HTTP request body was larger than the service accepts. */
  REQUEST_TOO_LARGE: 'BERTH_ERR_REQUEST_TOO_LARGE',
  /** A mutating admin call came without the configured bearer token. */
  UNAUTHORIZED: 'BERTH_ERR_UNAUTHORIZED',
  /** A migration file cannot be used as written (bad markers, a missing or unsafe `@config` value); `data.file` names it. */
  MIGRATION_INVALID: 'BERTH_ERR_MIGRATION_INVALID',
  /** The store's record of applied migrations disagrees with the plugin's files (a file changed after it was applied, one the plugin no longer ships, or a new one listed before an applied one). */
  MIGRATION_MISMATCH: 'BERTH_ERR_MIGRATION_MISMATCH',
  /** A migration's SQL failed; its transaction was rolled back. `data.migration` and `data.direction` name it. */
  MIGRATION_FAILED: 'BERTH_ERR_MIGRATION_FAILED',
  /** Migrating down needs a `-- berth:down` section that an applied migration does not have. */
  MIGRATION_IRREVERSIBLE: 'BERTH_ERR_MIGRATION_IRREVERSIBLE',
  /** `berth init` was pointed at a folder that exists and is not empty; nothing was written. */
  TARGET_NOT_EMPTY: 'BERTH_ERR_TARGET_NOT_EMPTY',
  /** `npm install` in a new plugin folder failed; the files are written, the install is not. */
  INSTALL_FAILED: 'BERTH_ERR_INSTALL_FAILED',
  /** The host's lifecycle state file (`<dataDir>/berth-state.json`) is unreadable or malformed; `data.file` names it. */
  STATE_INVALID: 'BERTH_ERR_STATE_INVALID',
  /** The lifecycle operation needs the plugin disabled first (remove). */
  PLUGIN_ENABLED: 'BERTH_ERR_PLUGIN_ENABLED',
  /** A new version of a running plugin did not start or never became healthy; the old version keeps serving. */
  UPGRADE_FAILED: 'BERTH_ERR_UPGRADE_FAILED',
  /** A plugin's worker broke the wire protocol (a malformed message, a record or arena slot out of bounds, bytes that do not decode); its worker was ended and is restarted. `data.detail` says what was wrong. */
  PROTOCOL: 'BERTH_ERR_PROTOCOL',
} as const;

/** One of the strings in {@link codes}. */
export type BerthErrorCode = (typeof codes)[keyof typeof codes];

/** Where an error happened; any part may be unknown. */
export interface ErrorSite {
  plugin?: string | undefined;
  service?: string | undefined;
  method?: string | undefined;
}

/** Options for {@link BerthError}. */
export interface BerthErrorOptions extends ErrorSite {
  cause?: unknown;
  /** Machine-readable details (a field path, both versions, …). Must be plain data. */
  data?: Record<string, unknown> | undefined;
}

const kBerthError = Symbol.for('berth.error');
const knownCodes = new Set<string>(Object.values(codes));

/**
 * The one error class of Berth. `instanceof BerthError` holds across two copies of the
 * library (it checks a `Symbol.for` brand), but callers should branch on `code`.
 */
export class BerthError extends Error {
  readonly code: BerthErrorCode;
  readonly plugin: string | undefined;
  readonly service: string | undefined;
  readonly method: string | undefined;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: BerthErrorCode, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.plugin = options.plugin;
    this.service = options.service;
    this.method = options.method;
    this.data = options.data;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && kBerthError in value;
  }
}
Object.defineProperty(BerthError.prototype, kBerthError, { value: true });

/** True when `value` is a BerthError (from any copy of the library) with that code. */
export function isBerthError(value: unknown, code?: BerthErrorCode): value is BerthError {
  return value instanceof BerthError && (code === undefined || value.code === code);
}

/** An error as it travels on the wire: plain data, safe for any codec. */
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

const MAX_CAUSE_DEPTH = 8;

/**
 * Turns anything thrown into plain data for the wire. Keeps name, message, stack, a
 * string `code` (Node's and Berth's alike) and the chain of causes, to a bounded depth
 * so a cyclic cause chain cannot loop.
 */
export function toWireError(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error)) {
    return { name: 'NonError', message: describeThrown(thrown) };
  }
  const wire: WireError = { name: thrown.name, message: thrown.message, stack: thrown.stack };
  const { code } = thrown as { code?: unknown };
  if (typeof code === 'string') wire.code = code;
  if (thrown instanceof BerthError) {
    wire.plugin = thrown.plugin;
    wire.service = thrown.service;
    wire.method = thrown.method;
    wire.data = thrown.data;
  }
  if (thrown.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    wire.cause = toWireError(thrown.cause, depth + 1);
  }
  return wire;
}

/**
 * Rebuilds an error from the wire. A Berth code comes back as a BerthError with that
 * code; anything else as a plain Error that keeps the original name, stack and code.
 */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWireError(wire.cause);
  let error: Error;
  if (wire.code !== undefined && knownCodes.has(wire.code)) {
    error = new BerthError(wire.code as BerthErrorCode, wire.message, {
      plugin: wire.plugin,
      service: wire.service,
      method: wire.method,
      data: wire.data,
      cause,
    });
  } else {
    error = new Error(wire.message, cause === undefined ? undefined : { cause });
    error.name = wire.name;
    if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/** A short, safe description of a thrown non-Error value, for messages. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}
