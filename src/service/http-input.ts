/**
 * How the service takes input it did not ask for: the server options that bound a
 * request (timeouts, the router's segment length) and send every refusal, router and
 * Node parser ones included, as the service's JSON `{ code, message }`; and the
 * handlers that decide which bodies are read (UTF-8 JSON only), which path segments are
 * taken (request-limits.ts) and what a wrong method gets (405 with `Allow`).
 */
import { isUtf8 } from 'node:buffer';
import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { BerthError, codes } from '../index.js';
import { trackAllowedMethods } from './allowed-methods.js';
import { createClientErrorHandler, type ClientTimeouts } from './client-errors.js';
import { handleHttpError } from './http-errors.js';
import { isJson } from './request-guard.js';
import { checkPathParams, MAX_ROUTER_PARAM_LENGTH } from './request-limits.js';

/** How often Node looks for requests past their timeouts, at most (its default is 30 s). */
const MAX_TIMEOUT_CHECK_MS = 1000;

/**
 * Fastify options for the service's server. Node enforces both timeouts itself (they
 * are `http.Server` `headersTimeout` and `requestTimeout`, checked every
 * `connectionsCheckingInterval`, so a stalled client is cut at most a check interval
 * after its deadline) and reports them to the `clientError` listener set here.
 */
export function httpInputOptions(timeouts: ClientTimeouts): FastifyHttpOptions<Server> {
  return {
    // fastify's default of 0 would switch Node's request timeout off.
    requestTimeout: timeouts.requestTimeoutMs,
    http: {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(MAX_TIMEOUT_CHECK_MS, Math.floor(timeouts.headersTimeoutMs / 4)),
      ),
    },
    routerOptions: { maxParamLength: MAX_ROUTER_PARAM_LENGTH },
    clientErrorHandler: createClientErrorHandler(timeouts),
    frameworkErrors: (error, request, reply) => handleHttpError(error, request, reply),
  };
}

/**
 * Registers, on the root instance and before any route: the JSON body parser (the only
 * one: fastify's `text/plain` parser is removed, so every other type is a 415), the
 * path segment check, and the 404/405 handler. Call once.
 */
export function registerHttpInput(app: FastifyInstance): void {
  const allowed = trackAllowedMethods(app);
  app.removeAllContentTypeParsers();
  // Bodies stay bytes: the resource routes store exactly what was sent.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = body as Buffer;
    // The one reading of the type (request-guard.ts): application/json, UTF-8 if a charset is said.
    if (!isJson(request.headers['content-type'])) {
      done(
        new BerthError(
          codes.UNSUPPORTED_MEDIA_TYPE,
          `bodies are UTF-8 JSON; send "Content-Type: application/json" (got ${JSON.stringify(request.headers['content-type'])})`,
        ),
      );
      return;
    }
    if (!isUtf8(buffer)) {
      done(
        new BerthError(
          codes.INVALID_ARGUMENT,
          'the body is not valid UTF-8; JSON bodies must be UTF-8 encoded',
          { data: { field: 'body' } },
        ),
      );
      return;
    }
    done(null, buffer);
  });
  app.addHook('onRequest', async (request) => {
    checkPathParams(request.params as Record<string, string>);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const methods = allowed.of(path);
    if (methods.length === 0) {
      void reply
        .status(404)
        .send({ code: codes.NOT_FOUND, message: `no route ${request.method} ${request.url}` });
      return;
    }
    void reply
      .status(405)
      .header('allow', methods.join(', '))
      .send({
        code: codes.METHOD_NOT_ALLOWED,
        message: `${path} takes ${methods.join(', ')}, not ${request.method}`,
      });
  });
}
