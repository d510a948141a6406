/**
 * How errors become HTTP answers: always JSON `{ code, message }` with a status that
 * says whose fault it was, and `Retry-After` when the storage plugin is away for a moment.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { codes, isBerthError, type BerthErrorCode } from '../index.js';
import { MAX_ROUTER_PARAM_LENGTH } from './request-limits.js';

/** Status per code; anything else is a 500. */
const STATUS: Partial<Record<BerthErrorCode, number>> = {
  [codes.INVALID_ARGUMENT]: 400,
  [codes.UNAUTHORIZED]: 401,
  [codes.FORBIDDEN]: 403,
  [codes.UNSUPPORTED_MEDIA_TYPE]: 415,
  [codes.NOT_FOUND]: 404,
  [codes.PLUGIN_NOT_FOUND]: 404,
  [codes.METHOD_NOT_ALLOWED]: 405,
  [codes.REQUEST_TIMEOUT]: 408,
  [codes.REVISION_CONFLICT]: 409,
  [codes.PLUGIN_DISABLED]: 409,
  [codes.REQUEST_TOO_LARGE]: 413,
  [codes.OVERLOADED]: 429,
  [codes.PLUGIN_NOT_RUNNING]: 503,
  [codes.PLUGIN_CRASHED]: 503,
  [codes.PLUGIN_HUNG]: 503,
  [codes.PLUGIN_OOM]: 503,
  [codes.PLUGIN_UNHEALTHY]: 503,
  [codes.PLUGIN_FAILED]: 503,
  [codes.SERVICE_NOT_FOUND]: 503,
  [codes.CALL_TIMEOUT]: 503,
  [codes.HOST_CLOSED]: 503,
  [codes.BACKEND_UNAVAILABLE]: 503,
  // The request killed the storage plugin's worker twice: repeating it will not help.
  [codes.POISON_CALL]: 422,
};

/** Seconds a client should wait before retrying a 503 or 429. */
const RETRY_AFTER_S = 1;

/** Fastify's own codes for malformed requests, mapped to Berth's, with a message that says the fix. */
function fromFastify(
  error: FastifyError,
  request: FastifyRequest,
): { status: number; code: BerthErrorCode; message?: string } | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: codes.REQUEST_TOO_LARGE };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        code: codes.REQUEST_TOO_LARGE,
        message: `a path segment is longer than ${MAX_ROUTER_PARAM_LENGTH} characters as sent; no key field may be that long`,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: codes.UNSUPPORTED_MEDIA_TYPE,
        message: `this route takes a JSON body: send it with "Content-Type: application/json" (got ${JSON.stringify(request.headers['content-type'] ?? '')})`,
      };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        code: codes.INVALID_ARGUMENT,
        message: `the path is not valid percent-encoding: ${error.message}`,
      };
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: codes.INVALID_ARGUMENT };
  }
  return undefined;
}

/** The service's error handler. Logs server-side faults; never leaks a stack to the client. */
export function handleHttpError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  let status = 500;
  let code: string = 'BERTH_ERR_INTERNAL';
  let message = error.message;
  if (isBerthError(error)) {
    code = error.code;
    status = STATUS[error.code] ?? 500;
  } else {
    const mapped = fromFastify(error, request);
    if (mapped !== undefined) ({ status, code, message = error.message } = mapped);
  }
  // A 503 is a plugin restarting or its backend away: the supervisor and the plugin log
  // that once, and /metrics counts the answers, so one line per request would only flood.
  if (status === 503) request.log.debug({ code }, 'request refused for now');
  else if (status >= 500) request.log.error({ err: error, code }, 'request failed');
  if (status === 503 || status === 429) void reply.header('retry-after', String(RETRY_AFTER_S));
  void reply.status(status).type('application/json').send({ code, message });
}
