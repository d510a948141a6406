/**
 * How errors become HTTP answers: always JSON `{ code, message }` with a status that
 * says whose fault it was, and `Retry-After` when the storage plugin is away for a moment.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { codes, isBerthError, type BerthErrorCode } from '../index.js';

/** Status per code; anything else is a 500. */
const STATUS: Partial<Record<BerthErrorCode, number>> = {
  [codes.INVALID_ARGUMENT]: 400,
  [codes.UNAUTHORIZED]: 401,
  [codes.NOT_FOUND]: 404,
  [codes.PLUGIN_NOT_FOUND]: 404,
  [codes.REVISION_CONFLICT]: 409,
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

/** Fastify's own codes for malformed requests, mapped to Berth's. */
function fromFastify(error: FastifyError): { status: number; code: BerthErrorCode } | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, code: codes.REQUEST_TOO_LARGE };
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
  if (isBerthError(error)) {
    code = error.code;
    status = STATUS[error.code] ?? 500;
  } else {
    const mapped = fromFastify(error);
    if (mapped !== undefined) ({ status, code } = mapped);
  }
  if (status >= 500) request.log.error({ err: error, code }, 'request failed');
  if (status === 503 || status === 429) void reply.header('retry-after', String(RETRY_AFTER_S));
  void reply.status(status).type('application/json').send({ code, message: error.message });
}
