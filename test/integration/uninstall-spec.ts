/**
 * Test helper: the spec `uninstallPlugin` takes, built from a plugin folder the way the
 * host builds a runtime's (manifest read and checked, defaultConfig under the given
 * config, migration paths made absolute, the plugin's data dir under the host's).
 */
import { join } from 'node:path';
import { pino } from 'pino';
import type { UninstallSpec } from '../../src/host/lifecycle/uninstall-plugin.js';
import { readManifest } from '../../src/manifest/index.js';
import { runtimeParts } from './runtime-parts.js';

/** Options of {@link uninstallSpecFor}. */
export interface UninstallSpecOptions {
  /** The host's data dir; the plugin's is `<dataDir>/plugins/<name>`. */
  dataDir: string;
  /** Config per service, merged over defaultConfig. */
  config?: Record<string, Record<string, unknown>>;
  isolation?: 'inline' | 'thread' | 'process';
}

/** The uninstall spec of the plugin in `pluginDir`. */
export async function uninstallSpecFor(
  pluginDir: string,
  options: UninstallSpecOptions,
): Promise<UninstallSpec> {
  const { manifest, dir, mainPath } = await readManifest(pluginDir);
  const services = manifest.serviceOrder.map((name) => {
    const defaults = manifest.services.find((s) => s.name === name)?.defaultConfig ?? {};
    return { name, config: { ...defaults, ...options.config?.[name] } };
  });
  const logger = pino({ level: 'silent' });
  return {
    isolation: options.isolation ?? 'thread',
    boot: {
      name: manifest.name,
      version: manifest.version,
      mainPath,
      dataDir: join(options.dataDir, 'plugins', manifest.name),
      services,
      migrations: manifest.migrations.map((path) => join(dir, path)),
    },
    logger,
    ...runtimeParts(manifest.name, logger),
    startTimeoutMs: 15_000,
    stopTimeoutMs: 5_000,
    hangTimeoutMs: 5_000,
  };
}
