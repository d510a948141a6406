/**
 * Health, readiness, metrics and the plugin admin API:
 *
 *   GET  /healthz                     the process answers
 *   GET  /readyz                      the storage plugin runs and reaches its backend (503 otherwise)
 *   GET  /metrics                     Prometheus text
 *   GET  /v1/plugins[/{name}]         state, enabled, versions, restarts, uptime, last error;
 *                                     folders only with the admin token
 *   POST /v1/plugins/{name}/restart   needs `Authorization: Bearer <token>`;
 *                                     409 BERTH_ERR_PLUGIN_DISABLED for a disabled plugin
 *   install, enable, disable, remove, config: lifecycle-routes.ts (the token too)
 */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BerthError, codes, type PluginHost, type PluginInfo } from '../index.js';
import { authorize, isAuthorized } from './admin-token.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import type { ServiceMetrics } from './metrics.js';

/** Registers the operational routes. */
export function registerAdminRoutes(
  app: FastifyInstance,
  host: PluginHost,
  options: {
    storage: string;
    adminToken: string;
    installRoots: readonly string[];
    metrics: ServiceMetrics;
  },
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

  // Paths tell an attacker about the server's filesystem: only an admin sees them.
  app.get('/v1/plugins', async (request) => {
    const admin = isAuthorized(request, options.adminToken);
    return {
      plugins: host.plugins().map((plugin) => (admin ? plugin : withoutPaths(plugin))),
      problems: host.problems().map(({ dir, error }) => ({
        ...(admin ? { dir, message: error.message } : { folder: basename(dir) }),
        code: error.code,
      })),
    };
  });

  app.get<{ Params: { name: string } }>('/v1/plugins/:name', async (request) => {
    const plugin = host.plugins().find((p) => p.name === request.params.name);
    if (plugin === undefined)
      throw new BerthError(codes.PLUGIN_NOT_FOUND, `no plugin named "${request.params.name}"`);
    return isAuthorized(request, options.adminToken) ? plugin : withoutPaths(plugin);
  });

  app.post<{ Params: { name: string } }>('/v1/plugins/:name/restart', async (request) => {
    authorize(request, options.adminToken);
    const { name } = request.params;
    await host.restart(name);
    return host.plugins().find((p) => p.name === name);
  });

  registerLifecycleRoutes(app, host, options);
}

/** A plugin's summary without its folder, for callers without the admin token. */
function withoutPaths(plugin: PluginInfo): Omit<PluginInfo, 'dir'> {
  const { dir: _dir, ...rest } = plugin;
  return rest;
}
