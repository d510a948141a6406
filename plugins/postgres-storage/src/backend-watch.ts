/**
 * Telling "the database is away" from every other failure. A request that fails because
 * PostgreSQL cannot be reached becomes BERTH_ERR_BACKEND_UNAVAILABLE, which the service
 * answers with 503 and Retry-After; its message never says where the database is (the
 * driver's `connect ECONNREFUSED host:port` goes to the plugin's log, once per outage,
 * not to the client). The health check reports `ready: false` meanwhile: the worker is
 * fine, so the host keeps it and only says the plugin is not ready.
 */
import type { Logger } from 'pino';
import { BerthError, codes } from 'berth/sdk';

/** Socket errors of a database that cannot be reached (Node's `code`). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** SQLSTATEs of a server going away: 57P01-03 shutting down or starting, 08xxx connection. */
const SERVER_GONE = /^(57P0[123]|08...)$/;

/** What pg says, without a code, when a connection ends under it or cannot open in time. */
const DRIVER_GONE = /Connection terminated|timeout exceeded when trying to connect/;

/** True when `error` says the database cannot be reached now (not that a query was wrong). */
export function isUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE.test(code))) return true;
  if (typeof message === 'string' && DRIVER_GONE.test(message)) return true;
  // Node's AggregateError when every address of a host name refused.
  return Array.isArray(errors) && errors.some(isUnreachable);
}

/** The error a request gets while the database is away. */
export function backendUnavailable(cause: unknown): BerthError {
  return new BerthError(
    codes.BACKEND_UNAVAILABLE,
    'postgres-storage cannot reach its PostgreSQL database; retry later ' +
      '(the plugin log says why; check that the database runs and the config "connectionString")',
    { cause: describeCause(cause) },
  );
}

/** The cause kept on the error, without the driver's message (it names host and port). */
function describeCause(cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  return new Error(
    typeof code === 'string' ? `database unreachable (${code})` : 'database unreachable',
  );
}

/** Watches one store's database: logs each outage once, and its end. */
export interface BackendWatch {
  /** Runs `work`; a failure that says the database is away becomes BACKEND_UNAVAILABLE. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Records that the database was reached, or (with the error) that it was not. */
  saw(error?: unknown): void;
}

/** Makes a watch that logs to `log`. */
export function createBackendWatch(log: Logger): BackendWatch {
  let down = false;
  const saw = (error?: unknown): void => {
    if (error === undefined) {
      if (down) log.info('the PostgreSQL database is reachable again');
      down = false;
      return;
    }
    if (!down) log.warn({ err: error }, 'the PostgreSQL database cannot be reached');
    down = true;
  };
  return {
    saw,
    async run(work) {
      try {
        const result = await work();
        saw();
        return result;
      } catch (error) {
        if (!isUnreachable(error)) throw error;
        saw(error);
        throw backendUnavailable(error);
      }
    },
  };
}
