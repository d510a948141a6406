/**
 * `berth serve`: a host with the configured storage plugin, and an HTTP server over it.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  BerthError,
  codes,
  createHost,
  forcedIsolation,
  type Logger,
  type PluginHost,
  type ServiceConfig,
  type StorageLayer,
} from '../index.js';
import { registerAdminRoutes } from './admin-routes.js';
import { handleHttpError } from './http-errors.js';
import { httpInputOptions, registerHttpInput } from './http-input.js';
import { isLoopback } from './loopback.js';
import { createRequestGuard } from './request-guard.js';
import { loadOrCreateToken } from './token-file.js';
import { bundledToDisable, pluginFolders } from './plugin-folders.js';
import { registerMetadataRoutes } from './metadata-routes.js';
import { createServiceMetrics } from './metrics.js';
import { registerResourceRoutes } from './resource-routes.js';

/** A running service. */
export interface RunningService {
  /** Where it listens, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  readonly host: PluginHost;
  readonly app: FastifyInstance;
  /** The token admin mutations need: the configured one, or the one kept in the data directory. */
  readonly adminToken: string;
  /** Stops taking requests, finishes those in flight, then stops the plugins. Idempotent. */
  close(): Promise<void>;
}

/** Starts the host and the HTTP server; resolves once it listens. */
export async function startService(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const adminToken = await resolveAdminToken(config, logger);
  const storageName = config.storage.name;
  const host = await startHost(config, logger);
  const metrics = createServiceMetrics(host);
  const storage = metrics.instrument(
    storageName,
    host.service<StorageLayer>(`${storageName}/storage`),
  );

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    ...httpInputOptions(config),
  });
  app.setErrorHandler(handleHttpError);
  // Who may ask comes before what is asked: the guard's hook runs first.
  const guard = createRequestGuard({ ...config, listenHost: config.host }, () => portOf(app));
  app.addHook('onRequest', async (request) => guard(request));
  registerHttpInput(app);
  // Per-request lines only at debug: at info they would cost more than a request.
  await app.register(
    async (routes) => {
      registerResourceRoutes(routes, () => storage);
      registerMetadataRoutes(routes, () => storage);
      registerAdminRoutes(routes, host, {
        storage: storageName,
        adminToken,
        installRoots: [...host.installRoots(), ...config.installFrom],
        metrics,
      });
    },
    {
      logLevel:
        config.logLevel === 'trace' || config.logLevel === 'debug' ? config.logLevel : 'warn',
    },
  );

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await host.close();
    throw error;
  }
  const port = portOf(app);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    app,
    adminToken,
    close() {
      closing ??= app.close().then(() => host.close());
      return closing;
    },
  };
}

/**
 * Starts the host over the bundled plugins and the user's (plugin-folders.ts): every
 * plugin found runs unless the state file says an operator disabled it, but for the
 * bundled ones other than the storage, which are listed, disabled. Throws
 * PLUGIN_NOT_FOUND without the storage plugin.
 */
async function startHost(config: ServiceConfig, logger: Logger): Promise<PluginHost> {
  const storageName = config.storage.name;
  const folders = pluginFolders(config);
  const host = createHost({
    plugins: folders.dirs,
    dataDir: config.dataDir,
    ...forcedIsolation(config),
    ...(config.storage.isolation === undefined
      ? {}
      : { isolationOf: { [storageName]: config.storage.isolation } }),
    processLimits: config.processLimits,
    logger,
    disable: await bundledToDisable(folders, storageName),
    // The storage plugin's `storage.config` is its service's config, whatever `config` says.
    config: {
      ...config.config,
      [storageName]: { ...config.config[storageName], storage: config.storage.config },
    },
    // Plugins dropped into the plugin folders are taken, and upgraded in place, while it serves.
    watch: true,
  });
  await host.start();
  const storagePlugin = host.plugins().find((p) => p.name === storageName);
  if (storagePlugin === undefined) {
    await host.close();
    throw new BerthError(
      codes.PLUGIN_NOT_FOUND,
      `the storage plugin "${storageName}" was not found in the plugin folders ` +
        `(${folders.dirs.join(', ') || 'none'}); check --plugins, --storage-name and --no-bundled-plugins`,
      { plugin: storageName, data: { pluginDirs: folders.dirs } },
    );
  }
  return host;
}

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/**
 * The configured admin token, or the one kept in the data directory (made at first
 * start). Listening beyond loopback with only a generated token is refused: whoever can
 * reach the port must not find the admin API guarded by a secret nobody chose.
 */
async function resolveAdminToken(config: ServiceConfig, logger: Logger): Promise<string> {
  if (config.adminToken !== undefined) return config.adminToken;
  if (!isLoopback(config.host)) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `listening on ${config.host}, beyond loopback, needs an admin token you chose: set BERTH_ADMIN_TOKEN (or adminToken in berth.config.json), or listen on 127.0.0.1`,
      { data: { key: 'adminToken' } },
    );
  }
  const kept = await loadOrCreateToken(config.dataDir, (file) =>
    logger.warn({ file }, 'the admin token file could be read by others; it is owner-only again'),
  );
  logger.info(
    { file: kept.file },
    kept.created
      ? `generated an admin token in ${kept.file} (berth plugins … reads it from there)`
      : `admin token: ${kept.file}`,
  );
  return kept.token;
}
