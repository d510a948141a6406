/**
 * `berth demo`: starts the plugins found and makes a few storage calls through a
 * thread-isolated plugin, printing each step. It is what `npm start` runs until the HTTP
 * service exists.
 */
import { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import {
  createHost,
  createLogger,
  isBerthError,
  forcedIsolation,
  loadServiceConfig,
  type ServiceFlags,
  type LevelWithSilent,
  type Remote,
  type StorageLayer,
} from '../index.js';
import { pluginFolders } from '../service/index.js';
import { withConfigOptions } from './config-options.js';

const encoder = new TextEncoder();

/** Builds the `demo` command. */
export function demoCommand(): Command {
  return withConfigOptions(new Command('demo'))
    .description('start the plugins and make a few storage calls, printing what happens')
    .option('--service <plugin/service>', 'the storage service to call', 'memory-storage/storage')
    .action(async ({ service, ...flags }: ServiceFlags & { service: string }) => {
      const settings = await loadServiceConfig(flags);
      const logger = createLogger({ level: settings.logLevel as LevelWithSilent });
      const host = createHost({
        plugins: pluginFolders(settings).dirs,
        dataDir: settings.dataDir,
        config: settings.config,
        logger,
        // Only the plugin the demo calls; others in the folders are not its business.
        enable: [service.split('/')[0] ?? ''],
        ...forcedIsolation(settings),
      });
      const stop = (): void => void host.close();
      process.once('SIGINT', stop).once('SIGTERM', stop);
      const say = (line: string): boolean => process.stdout.write(`${line}\n`);
      try {
        await host.start();
        for (const p of host.plugins())
          say(`plugin ${p.name}@${p.version}: ${p.state} (${p.isolation})`);
        await tour(host.service<StorageLayer>(service), say);
      } catch (error) {
        say(
          `demo failed: ${isBerthError(error) ? `${error.code}: ` : ''}${(error as Error).message}`,
        );
        process.exitCode = 1;
      } finally {
        await host.close();
        logger.flush();
      }
    });
}

/** The demo's calls: puts, a get, a list by label, a stale put refused, a delete. */
async function tour(storage: Remote<StorageLayer>, say: (line: string) => boolean): Promise<void> {
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await run();
    say(`${label}  [${(performance.now() - started).toFixed(2)} ms]`);
    return value;
  };
  const resource = (name: string, app: string) => ({
    cluster: 'demo',
    type: 'apps/v1/deployments',
    namespace: 'default',
    name,
    labels: { app },
    body: encoder.encode(JSON.stringify({ kind: 'Deployment', metadata: { name } })),
  });
  const web = await step('put web', () => storage.put(resource('web', 'web')));
  await step('put api', () => storage.put(resource('api', 'api')));
  await step('put worker', () => storage.put(resource('worker', 'api')));
  const got = await step('get web', () =>
    storage.get({
      cluster: 'demo',
      type: 'apps/v1/deployments',
      namespace: 'default',
      name: 'web',
    }),
  );
  say(`  web is at revision ${got?.revision}, ${got?.body.byteLength} bytes`);
  const listed = await step('list app=api', () =>
    storage.list({ cluster: 'demo', labelSelector: 'app=api' }),
  );
  say(`  found: ${listed.items.map((item) => item.name).join(', ')}`);
  try {
    await storage.put({ ...resource('web', 'web'), expectedRevision: web.revision - 1 });
  } catch (error) {
    if (!isBerthError(error)) throw error;
    say(`put web with a stale revision: refused with ${error.code}`);
  }
  await step('delete worker', () =>
    storage.delete({
      cluster: 'demo',
      type: 'apps/v1/deployments',
      namespace: 'default',
      name: 'worker',
    }),
  );
  const rest = await storage.list({ cluster: 'demo' });
  say(`  left: ${rest.items.map((item) => item.name).join(', ')}`);
}
