/**
 * `berth serve`: the resource and service-metadata store over a storage plugin.
 */
import { Command } from 'commander';
import {
  BerthError,
  codes,
  createLogger,
  DEFAULT_SERVICE_CONFIG as DEFAULTS,
  type LevelWithSilent,
} from '../index.js';
import { loadServiceConfig, startService, type ServiceFlags } from '../service/index.js';
import { withConfigOptions } from './config-options.js';

/**
 * `--dev`: development mode, where plugins run inline in this process so a debugger's
 * breakpoints bind in their code. It is `--mode development` under a shorter name, so
 * the two may not disagree.
 */
function developmentFlags(flags: ServiceFlags): ServiceFlags {
  if (flags.mode !== undefined && flags.mode !== 'development') {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `--dev means --mode development, but --mode ${flags.mode} was given too; drop one`,
      { data: { source: 'flags', key: 'mode' } },
    );
  }
  return { ...flags, mode: 'development' };
}

/** Builds the `serve` command. */
export function serveCommand(): Command {
  return withConfigOptions(
    new Command('serve').description(
      'serve resources and service metadata over HTTP, stored by a storage plugin',
    ),
  )
    .option('--host <address>', `interface to listen on (default ${DEFAULTS.host})`)
    .option('--port <port>', `port to listen on (default ${DEFAULTS.port}; 0 picks a free one)`)
    .option('--storage-name <plugin>', `the storage plugin (default ${DEFAULTS.storage.name})`)
    .option('--storage-config <json>', "the storage plugin's config, as JSON")
    .option(
      '--storage-isolation <mode>',
      'run the storage plugin in inline, thread, pool or process isolation (process: a Node.js process of its own; default: its manifest decides)',
    )
    .option('--dev', 'development mode: --mode development, with pretty logs')
    .option(
      '--body-limit <bytes>',
      `largest request body accepted, in bytes (default ${DEFAULTS.bodyLimit})`,
    )
    .action(async ({ dev, ...flags }: ServiceFlags & { dev?: true }) => {
      const config = await loadServiceConfig(dev === true ? developmentFlags(flags) : flags);
      const logger = createLogger({
        level: config.logLevel as LevelWithSilent,
        // Development mode is for a person at a terminal: pretty lines even when piped.
        ...(config.mode === 'development' ? { pretty: true } : {}),
      });
      const service = await startService(config, logger);
      logger.info(
        {
          url: service.url,
          storage: config.storage.name,
          mode: config.mode,
          dataDir: config.dataDir,
        },
        `berth serving on ${service.url}`,
      );
      const stop = (signal: string): void => {
        logger.info({ signal }, 'shutting down');
        void service.close().then(() => logger.flush());
      };
      process.once('SIGINT', stop).once('SIGTERM', stop);
    });
}
