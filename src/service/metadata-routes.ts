/**
 * The service metadata API of dubbo-go-pixiu, kept in the same storage plugin as the
 * resources (cluster `_berth`, one type each):
 *
 *   PUT  /v1/metadata/{application}/{revision}   publish (same content again: idempotent;
 *   POST /v1/metadata/{application}              other content under that revision: 409)
 *   GET  /v1/metadata/{application}/{revision}   POST names the revision: SHA-256 of the body
 *   PUT|GET /v1/definitions/{identifier}         service definitions, last write wins
 *
 * Every write answers 201 when it created the object and 200 otherwise.
 *
 * Publishing is a create-only put (expected revision 0), so two publishers racing on one
 * revision cannot both win.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BerthError, codes, isBerthError, type Remote, type StorageLayer } from '../index.js';

const CLUSTER = '_berth';
const METADATA = 'berth/v1/metadata';
const DEFINITIONS = 'berth/v1/definitions';

function requireJson(body: unknown): Buffer {
  if (!Buffer.isBuffer(body)) {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      'send the content as a JSON body (Content-Type: application/json)',
      {
        data: { field: 'body' },
      },
    );
  }
  try {
    JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `the body is not valid JSON: ${(error as Error).message}`,
      {
        data: { field: 'body' },
      },
    );
  }
  return body;
}

/**
 * Publishes `body` as the metadata of `application` at `revision`: created once;
 * publishing the same bytes again is fine (not created); other bytes under a revision
 * that is taken are BERTH_ERR_REVISION_CONFLICT.
 */
async function publish(
  storage: () => Remote<StorageLayer>,
  application: string,
  revision: string,
  body: Buffer,
): Promise<{ application: string; revision: string; created: boolean }> {
  const key = { cluster: CLUSTER, type: METADATA, namespace: application, name: revision };
  const taken = (): BerthError =>
    new BerthError(
      codes.REVISION_CONFLICT,
      `application "${application}" already has other metadata under revision "${revision}"; publish it under a new revision`,
      { data: { application, revision } },
    );
  // Read first, so that a republish (the common case: every instance publishes at start)
  // is a read, and the calls' metrics count a conflict only when there is one.
  const existing = await storage().get(key);
  if (existing !== null) {
    if (Buffer.compare(Buffer.from(existing.body), body) === 0) {
      return { application, revision, created: false };
    }
    throw taken();
  }
  try {
    await storage().put({ ...key, body, expectedRevision: 0 });
    return { application, revision, created: true };
  } catch (error) {
    if (!isBerthError(error, codes.REVISION_CONFLICT)) throw error;
    // Another publisher won the race for this revision: the same content is still fine.
    const winner = await storage().get(key);
    if (winner !== null && Buffer.compare(Buffer.from(winner.body), body) === 0) {
      return { application, revision, created: false };
    }
    throw taken();
  }
}

/** Registers the metadata and service-definition routes over `storage`. */
export function registerMetadataRoutes(
  app: FastifyInstance,
  storage: () => Remote<StorageLayer>,
): void {
  app.put<{ Params: { application: string; revision: string } }>(
    '/v1/metadata/:application/:revision',
    async (request, reply) => {
      const result = await publish(
        storage,
        request.params.application,
        request.params.revision,
        requireJson(request.body),
      );
      void reply.status(result.created ? 201 : 200);
      return result;
    },
  );

  app.post<{ Params: { application: string } }>(
    '/v1/metadata/:application',
    async (request, reply) => {
      const body = requireJson(request.body);
      const revision = createHash('sha256').update(body).digest('hex');
      const result = await publish(storage, request.params.application, revision, body);
      void reply.status(result.created ? 201 : 200);
      return result;
    },
  );

  app.get<{ Params: { application: string; revision: string } }>(
    '/v1/metadata/:application/:revision',
    async (request, reply) => {
      const { application, revision } = request.params;
      const found = await storage().get({
        cluster: CLUSTER,
        type: METADATA,
        namespace: application,
        name: revision,
      });
      if (found === null)
        throw new BerthError(
          codes.NOT_FOUND,
          `no metadata for "${application}" at revision "${revision}"`,
        );
      void reply.type('application/json');
      return Buffer.from(found.body);
    },
  );
  registerDefinitionRoutes(app, storage);
}

/** PUT and GET of service definitions, by identifier. */
function registerDefinitionRoutes(app: FastifyInstance, storage: () => Remote<StorageLayer>): void {
  app.put<{ Params: { identifier: string } }>(
    '/v1/definitions/:identifier',
    async (request, reply) => {
      const { identifier } = request.params;
      const result = await storage().put({
        cluster: CLUSTER,
        type: DEFINITIONS,
        namespace: '',
        name: identifier,
        body: requireJson(request.body),
      });
      void reply.status(result.created ? 201 : 200);
      return { identifier, revision: result.revision, created: result.created };
    },
  );

  app.get<{ Params: { identifier: string } }>(
    '/v1/definitions/:identifier',
    async (request, reply) => {
      const { identifier } = request.params;
      const found = await storage().get({
        cluster: CLUSTER,
        type: DEFINITIONS,
        namespace: '',
        name: identifier,
      });
      if (found === null)
        throw new BerthError(codes.NOT_FOUND, `no service definition "${identifier}"`);
      void reply.type('application/json');
      return Buffer.from(found.body);
    },
  );
}
