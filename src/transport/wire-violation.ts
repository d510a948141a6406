/**
 * What the receiving side raises when the other side of the wire breaks the protocol: a
 * record out of bounds, a slot the arena never handed out, bytes that do not decode, a
 * message of the wrong shape. The host treats everything a worker writes as untrusted
 * input, so a violation is the plugin's fault: its worker is ended (thread-runtime.ts).
 */
import { BerthError, codes } from '../errors.js';

/** BERTH_ERR_PROTOCOL saying what was wrong (`data.detail`, for logs and tests). */
export function wireViolation(detail: string, cause?: unknown): BerthError {
  return new BerthError(codes.PROTOCOL, `wire protocol broken: ${detail}`, {
    data: { detail },
    cause,
  });
}
