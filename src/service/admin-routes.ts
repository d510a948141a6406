/**
 * Health, readiness, metrics and the plugin admin API:
 *
 *   GET  /healthz                     the process answers
 *   GET  /readyz                      the storage plugin runs (503 otherwise)
 *   GET  /metrics                     Prometheus text
 *   GET  /v1/plugins[/{name}]         state, restarts, uptime, last error
 *   POST /v1/plugins/{name}/restart   needs `Authorization: Bearer <token>` when a token is set
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError, codes, type PluginHost } from '../index.js';
import type { ServiceMetrics } from './metrics.js';

/** Throws BERTH_ERR_UNAUTHORIZED unless the request carries `token` (when one is set). */
function authorize(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined) return;
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new BerthError(
      codes.UNAUTHORIZED,
      'this admin call needs "Authorization: Bearer <token>" with the configured admin token',
    );
  }
}

/** Registers the operational routes. */
export function registerAdminRoutes(
  app: FastifyInstance,
  host: PluginHost,
  options: { storage: string; adminToken: string | undefined; metrics: ServiceMetrics },
): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const storage = host.plugins().find((p) => p.name === options.storage);
    const ready = storage?.state === 'running' || storage?.state === 'degraded';
    if (!ready) void reply.status(503).header('retry-after', '1');
    return { ready, storage: options.storage, state: storage?.state ?? 'not found' };
  });

  app.get('/metrics', async (_request, reply) => {
    void reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  app.get('/v1/plugins', async () => ({
    plugins: host.plugins(),
    problems: host
      .problems()
      .map(({ dir, error }) => ({ dir, code: error.code, message: error.message })),
  }));

  app.get<{ Params: { name: string } }>('/v1/plugins/:name', async (request) => {
    const plugin = host.plugins().find((p) => p.name === request.params.name);
    if (plugin === undefined)
      throw new BerthError(codes.PLUGIN_NOT_FOUND, `no plugin named "${request.params.name}"`);
    return plugin;
  });

  app.post<{ Params: { name: string } }>('/v1/plugins/:name/restart', async (request) => {
    authorize(request, options.adminToken);
    await host.restart(request.params.name);
    return host.plugins().find((p) => p.name === request.params.name);
  });
}
