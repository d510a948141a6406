/**
 * Health, readiness, metrics and the plugin admin API:
 *
 *   GET  /healthz                     the process answers
 *   GET  /readyz                      the storage plugin runs and reaches its backend (503 otherwise)
 *   GET  /metrics                     Prometheus text
 *   GET  /v1/plugins[/{name}]         state, enabled, versions, restarts, uptime, last error
 *   POST /v1/plugins/{name}/restart   needs `Authorization: Bearer <token>` when a token is set
 *   install, enable, disable, remove, config: lifecycle-routes.ts (the token too)
 */
import type { FastifyInstance } from 'fastify';
import { BerthError, codes, type PluginHost } from '../index.js';
import { authorize } from './admin-token.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import type { ServiceMetrics } from './metrics.js';

/** Registers the operational routes. */
export function registerAdminRoutes(
  app: FastifyInstance,
  host: PluginHost,
  options: { storage: string; adminToken: string | undefined; metrics: ServiceMetrics },
): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const storage = host.plugins().find((p) => p.name === options.storage);
    // Running is not enough: a storage plugin whose database is away says so (`ready`).
    const ready = (storage?.state === 'running' || storage?.state === 'degraded') && storage.ready;
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

  registerLifecycleRoutes(app, host, options.adminToken);
}
