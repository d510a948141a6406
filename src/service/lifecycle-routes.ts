/**
 * The plugin lifecycle over HTTP (every route needs the admin token):
 *
 *   POST   /v1/plugins/install          {"dir": "/abs/plugin/folder"}         201, the plugin
 *   POST   /v1/plugins/{name}/enable    optional {"version": "2.0.0"}: switch    200, the plugin
 *   POST   /v1/plugins/{name}/disable                                          200, the plugin
 *   DELETE /v1/plugins/{name}[?version=1.0.0]  remove it, or one inactive version
 *   PUT    /v1/plugins/{name}/config    {"service": "s", "config": {…}, "replace": false}
 *
 * A config is merged over the operator's earlier changes as a JSON merge patch (`null`
 * removes a key, so the default applies again); `"replace": true` drops those changes
 * first. A body that is not what the route takes is a 400 with BERTH_ERR_INVALID_ARGUMENT;
 * a config the schema or the plugin refuses is a 400 with BERTH_ERR_CONFIG_INVALID.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError, codes, isBerthError, type BerthErrorCode, type PluginHost } from '../index.js';
import { authorize } from './admin-token.js';
import { handleHttpError } from './http-errors.js';
import { confineInstallDir } from './install-roots.js';

/** Statuses of the lifecycle's own failures; anything else goes to the service's handler. */
const STATUS: Partial<Record<BerthErrorCode, number>> = {
  [codes.CONFIG_INVALID]: 400,
  [codes.MANIFEST_NOT_FOUND]: 400,
  [codes.MANIFEST_PARSE]: 400,
  [codes.MANIFEST_INVALID]: 400,
  [codes.ENGINE_INCOMPATIBLE]: 400,
  [codes.PATH_ESCAPE]: 400,
  [codes.SERVICE_NOT_FOUND]: 404,
  [codes.PLUGIN_ENABLED]: 409,
  // The plugin's own code failed to load, start or migrate: nothing the service can fix.
  [codes.PLUGIN_LOAD]: 422,
  [codes.PLUGIN_NOT_BRANDED]: 422,
  [codes.PLUGIN_SERVICES_MISMATCH]: 422,
  [codes.START_FAILED]: 422,
  [codes.MIGRATION_INVALID]: 422,
  [codes.MIGRATION_MISMATCH]: 422,
  [codes.MIGRATION_FAILED]: 422,
  [codes.MIGRATION_IRREVERSIBLE]: 422,
};

/**
 * Config keys that widen what a plugin may reach on the server (a storage file outside
 * the data directory): the operator sets them in the config file, where the server's
 * owner decides, never through the admin API.
 */
const OPERATOR_ONLY_KEYS = ['allowOutsideDataDir'];

function lifecycleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = isBerthError(error) ? STATUS[error.code] : undefined;
  if (status === undefined) {
    handleHttpError(error, request, reply);
    return;
  }
  void reply
    .status(status)
    .type('application/json')
    .send({ code: (error as BerthError).code, message: error.message });
}

function invalid(message: string): BerthError {
  return new BerthError(codes.INVALID_ARGUMENT, message);
}

/** The JSON object a request carries (the service keeps JSON bodies as bytes); {} for none. */
function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const { body } = request;
  if (body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0)) {
    return {};
  }
  let value: unknown = body;
  if (Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw invalid('the request body is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || typeof value === 'string') return value;
  throw invalid(`"${key}" must be a string (got ${JSON.stringify(value)})`);
}

/**
 * Registers the lifecycle routes; every one needs `adminToken`, and install takes
 * folders inside `installRoots` only (install-roots.ts).
 */
export function registerLifecycleRoutes(
  app: FastifyInstance,
  host: PluginHost,
  options: { adminToken: string; installRoots: readonly string[] },
): void {
  const { adminToken } = options;
  type Named = { Params: { name: string }; Querystring: { version?: string } };
  const guarded = { errorHandler: lifecycleError };

  app.post('/v1/plugins/install', guarded, async (request, reply) => {
    authorize(request, adminToken);
    const dir = optionalString(bodyOf(request), 'dir');
    if (dir === undefined || dir === '') {
      throw invalid('install needs {"dir": "<the plugin folder, as the service sees it>"}');
    }
    const confined = await confineInstallDir(dir, options.installRoots);
    void reply.status(201);
    return host.install(confined);
  });

  app.post<Named>('/v1/plugins/:name/enable', guarded, async (request) => {
    authorize(request, adminToken);
    const version = optionalString(bodyOf(request), 'version');
    const { name } = request.params;
    return host.enable(version === undefined ? name : `${name}@${version}`);
  });

  app.post<Named>('/v1/plugins/:name/disable', guarded, async (request) => {
    authorize(request, adminToken);
    return host.disable(request.params.name);
  });

  app.delete<Named>('/v1/plugins/:name', guarded, async (request) => {
    authorize(request, adminToken);
    const { name } = request.params;
    const { version } = request.query;
    await host.remove(version === undefined ? name : `${name}@${version}`);
    return version === undefined ? { removed: name } : { removed: name, version };
  });

  app.put<Named>('/v1/plugins/:name/config', guarded, async (request) => {
    authorize(request, adminToken);
    const body = bodyOf(request);
    const service = optionalString(body, 'service');
    const { config, replace } = body;
    if (
      service === undefined ||
      typeof config !== 'object' ||
      config === null ||
      Array.isArray(config)
    ) {
      throw invalid('a config change is {"service": "<name>", "config": {…}, "replace": false}');
    }
    if (replace !== undefined && typeof replace !== 'boolean') {
      throw invalid(`"replace" must be true or false (got ${JSON.stringify(replace)})`);
    }
    for (const key of OPERATOR_ONLY_KEYS) {
      if (key in config) {
        throw new BerthError(
          codes.FORBIDDEN,
          `"${key}" widens what a plugin may touch on the server; it is set by the operator in berth.config.json, not over HTTP`,
          { data: { key } },
        );
      }
    }
    return host.configure(request.params.name, service, config as Record<string, unknown>, {
      replace: replace === true,
    });
  });
}
