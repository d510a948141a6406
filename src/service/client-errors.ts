/**
 * Answers for requests Node's HTTP parser refuses before fastify sees them: malformed
 * HTTP (both Content-Length and Transfer-Encoding, two Content-Lengths, a bad chunk
 * size: request smuggling shapes), headers past Node's `maxHeaderSize` (16 KiB), and
 * clients too slow to send their headers or their request. Node hands these to the
 * server's `clientError` listener with the raw socket; this writes the service's JSON
 * `{ code, message }` on it and closes it, since what follows on the socket cannot be
 * trusted to be the next request.
 */
import type { Socket } from 'node:net';
import { codes } from '../index.js';

/** The timeouts named in a 408's message. */
export interface ClientTimeouts {
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
}

/** The error Node passes to `clientError` (`code` from llhttp, `HPE_*`, or Node's own). */
type ClientError = Error & { code?: string; reason?: string };

function answerOf(
  error: ClientError,
  timeouts: ClientTimeouts,
): { status: number; reason: string; code: string; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      reason: 'Request Timeout',
      code: codes.REQUEST_TIMEOUT,
      message: `the request did not arrive in time: headers must arrive within ${timeouts.headersTimeoutMs} ms and the whole request within ${timeouts.requestTimeoutMs} ms`,
    };
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      code: codes.REQUEST_TOO_LARGE,
      message:
        'the request line and headers are larger than the 16 KiB the service reads; send fewer or shorter headers',
    };
  }
  const detail = (error.reason ?? error.message).slice(0, 200);
  return {
    status: 400,
    reason: 'Bad Request',
    code: codes.INVALID_ARGUMENT,
    message: `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'}: ${detail}); the connection is closed`,
  };
}

/**
 * Makes the `clientError` listener (fastify's `clientErrorHandler` option). Safe to call
 * more than once per socket: a destroyed socket is left alone.
 */
export function createClientErrorHandler(
  timeouts: ClientTimeouts,
): (error: ClientError, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, reason, code, message } = answerOf(error, timeouts);
    const body = JSON.stringify({ code, message });
    // As Node's own handler: answer only if no response has started on this socket, or
    // the bytes would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
