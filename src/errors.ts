/**
 * One error class for all of Berth, and the table of its codes.
 *
 * The `code` is the API: callers, tests and the HTTP service branch on it. Class
 * identity does not survive a thread boundary, so nothing may depend on it; codes are
 * never renamed and never reused (test/unit/errors.test.ts pins the whole list).
 *
 * This module is shared by the host and the worker side of the wire, so it imports
 * nothing. How errors cross the wire is src/wire-error.ts.
 */

export {
  MAX_CAUSE_DEPTH,
  MAX_CODE_CHARS,
  MAX_DATA_DEPTH,
  MAX_DATA_STRING_CHARS,
  MAX_DATA_VALUES,
  MAX_MESSAGE_CHARS,
  MAX_NAME_CHARS,
  MAX_STACK_CHARS,
} from './error-bounds.js';

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
  /** An HTTP request (its body, its headers or its URL) was larger than the service accepts. */
  REQUEST_TOO_LARGE: 'BERTH_ERR_REQUEST_TOO_LARGE',
  /** A mutating admin call came without the configured bearer token. */
  UNAUTHORIZED: 'BERTH_ERR_UNAUTHORIZED',
  /** An HTTP request was refused for where it came from: a `Host` the service is not reached by, a foreign `Origin`, or an install from a folder outside the allowed ones. */
  FORBIDDEN: 'BERTH_ERR_FORBIDDEN',
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
  /** An HTTP request body came with a Content-Type the route does not take (it takes `application/json`). */
  UNSUPPORTED_MEDIA_TYPE: 'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE',
  /** An HTTP path exists but not with that method; the answer's `Allow` header lists the ones it has. */
  METHOD_NOT_ALLOWED: 'BERTH_ERR_METHOD_NOT_ALLOWED',
  /** An HTTP client took longer than the service allows to send its headers or its whole request. */
  REQUEST_TIMEOUT: 'BERTH_ERR_REQUEST_TIMEOUT',
  /** The operation needs the plugin enabled (restart): enable it instead. */
  PLUGIN_DISABLED: 'BERTH_ERR_PLUGIN_DISABLED',
  /** An idempotent call was in flight when its worker died, was retried, and the next worker died under it too: it is not retried again, and the second death is not counted toward the breaker. `data.first` and `data.second` are the two deaths' codes. */
  POISON_CALL: 'BERTH_ERR_POISON_CALL',
  /** The plugin runs but cannot reach the backend it stores in (a database that refuses connections); retry later. The plugin logs which backend and why; the message does not say where it is. */
  BACKEND_UNAVAILABLE: 'BERTH_ERR_BACKEND_UNAVAILABLE',
  /** No `berth serve` answers at the URL a command was pointed at (nothing listens there, or what answers is not Berth): start one, or fix `--url`. */
  SERVICE_UNREACHABLE: 'BERTH_ERR_SERVICE_UNREACHABLE',
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

/** BERTH_ERR_CALL_ABORTED: the caller's signal fired; `reason` is the signal's reason. */
export function callAbortedError(reason?: unknown, site: ErrorSite = {}): BerthError {
  return new BerthError(codes.CALL_ABORTED, 'the caller aborted the call', {
    ...site,
    ...(reason === undefined ? {} : { cause: reason }),
  });
}

/** True when `value` is a BerthError (from any copy of the library) with that code. */
export function isBerthError(value: unknown, code?: BerthErrorCode): value is BerthError {
  return value instanceof BerthError && (code === undefined || value.code === code);
}
