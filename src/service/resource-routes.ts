/**
 * The resource API, after Clusterpedia's storage layer:
 *
 *   PUT|GET|DELETE /v1/resources/{cluster}/{group}/{version}/{resource}/{namespace}/{name}
 *   GET            /v1/resources/{cluster}/{group}/{version}/{resource}?namespace&labelSelector
 *                                             &namePrefix&orderBy&descending&limit&continue
 *
 * `_` stands for the core group and for the namespace of cluster-scoped resources. A
 * body is stored exactly as it was sent and returned byte for byte: a list response is
 * the stored bodies streamed into a JSON envelope, never parsed on the way out.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { BerthError, codes, type ListOrder, type Remote, type StorageLayer } from '../index.js';

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

function keyOf(params: KeyParams): {
  cluster: string;
  type: string;
  namespace: string;
  name: string;
} {
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

/** Labels from `metadata.labels` of a JSON body; throws INVALID_ARGUMENT for a body that is not a JSON object. */
function labelsOf(body: Buffer): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalid(`the body is not valid JSON: ${(error as Error).message}`, 'body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('the body must be a JSON object (a Kubernetes-style resource)', 'body');
  }
  const labels = (parsed as { metadata?: { labels?: unknown } }).metadata?.labels;
  if (labels === undefined || labels === null) return {};
  if (
    typeof labels !== 'object' ||
    Array.isArray(labels) ||
    !Object.values(labels).every((v) => typeof v === 'string')
  ) {
    throw invalid('metadata.labels must be an object of string values', 'metadata.labels');
  }
  return labels as Record<string, string>;
}

/** `If-Match: "7"` (or 7) as an expected revision; absent when there is no header. */
function expectedRevision(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const revision = Number(header.replace(/^W\//, '').replaceAll('"', ''));
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw invalid(`If-Match must be a revision number such as "7" (got ${header})`, 'if-match');
  }
  return revision;
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
    const labels = labelsOf(request.body);
    const revision = expectedRevision(request.headers['if-match']);
    const result = await storage().put({
      ...keyOf(request.params),
      labels,
      body: request.body,
      ...(revision === undefined ? {} : { expectedRevision: revision }),
    });
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
    const revision = expectedRevision(request.headers['if-match']);
    const result = await storage().delete({
      ...keyOf(request.params),
      ...(revision === undefined ? {} : { expectedRevision: revision }),
    });
    if (!result.deleted) throw new BerthError(codes.NOT_FOUND, `no resource at ${request.url}`);
    return result;
  });

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

/** `{"items":[…bodies…],"continue":"…"}`, chunk by chunk, the bodies untouched. */
function* envelope(bodies: Uint8Array[], next: string | undefined): Generator<Uint8Array> {
  yield Buffer.from('{"items":[');
  for (let i = 0; i < bodies.length; i += 1) {
    if (i > 0) yield Buffer.from(',');
    yield bodies[i] as Uint8Array;
  }
  yield Buffer.from(next === undefined ? ']}' : `],"continue":${JSON.stringify(next)}}`);
}
