/**
 * The resource API, after Clusterpedia's storage layer:
 *
 *   PUT|GET|DELETE /v1/resources/{cluster}/{group}/{version}/{resource}/{namespace}/{name}
 *   GET            /v1/resources/{cluster}/{group}/{version}/{resource}?namespace&labelSelector
 *                                             &namePrefix&orderBy&descending&limit&continue
 *
 * `_` stands for the namespace of cluster-scoped resources, and `_` and `core` both name
 * the core group (Kubernetes' `""`, which a path cannot carry): the two spellings address
 * one object. Path segments are checked against request-limits.ts; `If-Match` is
 * if-match.ts (`*` included). A body is stored exactly as it was sent and returned byte for byte: a list response is
 * the stored bodies streamed into a JSON envelope, never parsed on the way out.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  BerthError,
  codes,
  isBerthError,
  type ListOrder,
  type Remote,
  type ResourceKey,
  type StorageLayer,
} from '../index.js';
import { parseIfMatch } from './if-match.js';
import { readResourceBody } from './resource-body.js';

interface KeyParams {
  cluster: string;
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
}

const ORDERS: readonly string[] = ['key', 'name', 'revision'];

/** `group/version/resource`, with `_` for the core group. */
function typeOf(params: Pick<KeyParams, 'group' | 'version' | 'resource'>): string {
  return `${params.group === '_' ? 'core' : params.group}/${params.version}/${params.resource}`;
}

function keyOf(params: KeyParams): ResourceKey {
  return {
    cluster: params.cluster,
    type: typeOf(params),
    namespace: params.namespace === '_' ? '' : params.namespace,
    name: params.name,
  };
}

function invalid(message: string, field: string): BerthError {
  return new BerthError(codes.INVALID_ARGUMENT, message, { data: { field } });
}

/** Registers the resource routes over `storage`. */
export function registerResourceRoutes(
  app: FastifyInstance,
  storage: () => Remote<StorageLayer>,
): void {
  const one = '/v1/resources/:cluster/:group/:version/:resource/:namespace/:name';

  app.put<{ Params: KeyParams; Body: Buffer }>(one, async (request, reply) => {
    if (!Buffer.isBuffer(request.body))
      throw invalid('send the resource as a JSON body (Content-Type: application/json)', 'body');
    const labels = readResourceBody(request.body, request.params);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    const key = keyOf(request.params);
    const put = (expectedRevision?: number) =>
      storage().put({
        ...key,
        labels,
        body: request.body,
        ...(expectedRevision === undefined ? {} : { expectedRevision }),
      });
    let result;
    if (ifMatch.kind === 'any') result = await putIfExists(key, storage, put, request.url);
    else result = await put(ifMatch.kind === 'revision' ? ifMatch.revision : undefined);
    void reply.status(result.created ? 201 : 200).header('etag', `"${result.revision}"`);
    return result;
  });

  app.get<{ Params: KeyParams }>(one, async (request, reply) => {
    const found = await storage().get(keyOf(request.params));
    if (found === null) throw new BerthError(codes.NOT_FOUND, `no resource at ${request.url}`);
    void reply.header('etag', `"${found.revision}"`).type('application/json');
    return Buffer.from(found.body.buffer, found.body.byteOffset, found.body.byteLength);
  });

  app.delete<{ Params: KeyParams }>(one, async (request) => {
    const ifMatch = parseIfMatch(request.headers['if-match']);
    const result = await storage().delete({
      ...keyOf(request.params),
      ...(ifMatch.kind === 'revision' ? { expectedRevision: ifMatch.revision } : {}),
    });
    if (!result.deleted) {
      // With `If-Match: *` the precondition (something exists) failed, as a stale revision would.
      if (ifMatch.kind === 'any') throw absent(request.url);
      throw new BerthError(codes.NOT_FOUND, `no resource at ${request.url}`);
    }
    return result;
  });
  registerListRoute(app, storage);
}

/** GET of a page of resources of one type, filtered, ordered and continued. */
function registerListRoute(app: FastifyInstance, storage: () => Remote<StorageLayer>): void {
  app.get<{
    Params: Omit<KeyParams, 'namespace' | 'name'>;
    Querystring: Record<string, string | undefined>;
  }>('/v1/resources/:cluster/:group/:version/:resource', async (request, reply) => {
    const q = request.query;
    if (q['orderBy'] !== undefined && !ORDERS.includes(q['orderBy'])) {
      throw invalid(`orderBy must be one of ${ORDERS.join(', ')} (got ${q['orderBy']})`, 'orderBy');
    }
    const limit = q['limit'] === undefined ? undefined : Number(q['limit']);
    if (limit !== undefined && !Number.isInteger(limit))
      throw invalid(`limit must be a whole number (got ${q['limit']})`, 'limit');
    const page = await storage().list({
      cluster: request.params.cluster,
      type: typeOf(request.params),
      ...(q['namespace'] === undefined
        ? {}
        : { namespace: q['namespace'] === '_' ? '' : q['namespace'] }),
      ...(q['labelSelector'] === undefined ? {} : { labelSelector: q['labelSelector'] }),
      ...(q['namePrefix'] === undefined ? {} : { namePrefix: q['namePrefix'] }),
      ...(q['orderBy'] === undefined ? {} : { orderBy: q['orderBy'] as ListOrder }),
      ...(q['descending'] === 'true' ? { descending: true } : {}),
      ...(limit === undefined ? {} : { limit }),
      ...(q['continue'] === undefined || q['continue'] === '' ? {} : { continue: q['continue'] }),
    });
    void reply.type('application/json');
    return Readable.from(
      envelope(
        page.items.map((item) => item.body),
        page.continue,
      ),
      { objectMode: false },
    );
  });
}

/** The conflict `If-Match: *` meets when nothing is there. */
function absent(url: string): BerthError {
  return new BerthError(
    codes.REVISION_CONFLICT,
    `no resource at ${url}, and If-Match: * needs one; create it without If-Match`,
    { data: { currentRevision: 0 } },
  );
}

/** Tries before giving up on a resource that keeps changing under `If-Match: *`. */
const IF_EXISTS_ATTEMPTS = 5;

/**
 * A put that happens only if the resource exists, whatever its revision: the store only
 * knows "expect revision N", so it reads the revision and expects it, again if another
 * writer moved it on in between.
 */
async function putIfExists<R>(
  key: ResourceKey,
  storage: () => Remote<StorageLayer>,
  put: (expectedRevision: number) => Promise<R>,
  url: string,
): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await storage().get(key);
    if (current === null) throw absent(url);
    try {
      return await put(current.revision);
    } catch (error) {
      if (attempt >= IF_EXISTS_ATTEMPTS || !isBerthError(error, codes.REVISION_CONFLICT))
        throw error;
    }
  }
}

/** `{"items":[…bodies…],"continue":"…"}`, chunk by chunk, the bodies untouched. */
function* envelope(bodies: Uint8Array[], next: string | undefined): Generator<Uint8Array> {
  yield Buffer.from('{"items":[');
  for (let i = 0; i < bodies.length; i += 1) {
    if (i > 0) yield Buffer.from(',');
    yield bodies[i] as Uint8Array;
  }
  yield Buffer.from(next === undefined ? ']}' : `],"continue":${JSON.stringify(next)}}`);
}
