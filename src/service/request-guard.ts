/**
 * What every request must pass before a route sees it. Loopback is not a trust boundary:
 * any web page the operator opens can send requests to 127.0.0.1, so
 *
 * - `Host` must name this server: the address it listens on, `localhost`, a loopback
 *   address, or a name in `allowedHosts`. A foreign name is what DNS rebinding needs.
 * - `Origin`, when a browser sends one, must be this server's own origin or one in
 *   `allowedOrigins`: a cross-site page may not read or write through the operator's
 *   browser. `Origin: null` (sandboxed frames, file pages) is foreign too.
 * - POST, PUT and PATCH must say `Content-Type: application/json`, so no HTML form or
 *   `text/plain` "simple request" (one a browser sends without asking first) mutates.
 *
 * Refusals are 403 BERTH_ERR_FORBIDDEN and 415 BERTH_ERR_UNSUPPORTED_MEDIA_TYPE.
 */
import { networkInterfaces } from 'node:os';
import type { FastifyRequest } from 'fastify';
import { BerthError, codes } from '../index.js';

/** Who may reach the service. */
export interface GuardOptions {
  /** The address it listens on, as configured (`0.0.0.0` and `::` mean every interface). */
  listenHost: string;
  /** More names it is reached by (a DNS name, a proxy's name). */
  allowedHosts: readonly string[];
  /** More origins whose pages may call it, such as `https://console.example.com`. */
  allowedOrigins: readonly string[];
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH']);

/** The hostname part of a `Host` header or URL host, lower case, IPv6 without brackets. */
export function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed !== null) return (bracketed[1] as string).toLowerCase();
  const colons = host.split(':').length - 1;
  // More than one colon and no brackets: a bare IPv6 address, no port.
  return (colons === 1 ? (host.split(':')[0] as string) : host).toLowerCase();
}

/** Names this server answers to: loopback, `localhost`, its address(es) and the configured ones. */
export function allowedHostnames(options: GuardOptions): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const listen = hostnameOf(options.listenHost);
  if (WILDCARDS.has(options.listenHost) || WILDCARDS.has(listen)) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const { address } of addresses ?? []) names.add(address.toLowerCase());
    }
  } else {
    names.add(listen);
  }
  for (const name of options.allowedHosts) names.add(hostnameOf(name));
  return names;
}

/**
 * Makes the `onRequest` check. `port` is read per request, so a service listening on
 * port 0 knows its origin once it listens.
 */
export function createRequestGuard(
  options: GuardOptions,
  port: () => number,
): (request: FastifyRequest) => void {
  const hostnames = allowedHostnames(options);
  const origins = new Set(options.allowedOrigins.map((origin) => origin.toLowerCase()));
  return (request) => {
    const host = request.headers.host;
    if (host === undefined || !hostnames.has(hostnameOf(host))) {
      throw new BerthError(
        codes.FORBIDDEN,
        `this server is not reached by the name "${String(host ?? '')}"; if it should be, add it to allowedHosts in berth.config.json`,
      );
    }
    const origin = request.headers.origin;
    if (
      origin !== undefined &&
      !isOwnOrigin(origin, hostnames, port()) &&
      !origins.has(origin.toLowerCase())
    ) {
      throw new BerthError(
        codes.FORBIDDEN,
        `requests from pages of ${origin} are refused; if that site should call this server, add it to allowedOrigins in berth.config.json`,
      );
    }
    // Only a request that reaches a route carries its body anywhere; the others get a 404
    // or a 405, which says more.
    const routed = request.routeOptions.url !== undefined;
    if (routed && MUTATING.has(request.method) && !isJson(request.headers['content-type'])) {
      throw new BerthError(
        codes.UNSUPPORTED_MEDIA_TYPE,
        `${request.method} requests must be sent with "Content-Type: application/json" (got ${JSON.stringify(request.headers['content-type'] ?? 'none')})`,
      );
    }
  };
}

function isOwnOrigin(origin: string, hostnames: Set<string>, port: number): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const urlPort = url.port === '' ? 80 : Number(url.port);
  return url.protocol === 'http:' && urlPort === port && hostnames.has(hostnameOf(url.host));
}

/** `application/json`, with parameters allowed; a charset other than UTF-8 is not JSON (RFC 8259). */
export function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every(
    (param) => !param.startsWith('charset') || /^charset\s*=\s*"?utf-?8"?$/.test(param),
  );
}
