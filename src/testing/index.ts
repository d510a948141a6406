/**
 * `berth/testing`: runs one plugin for its author's tests, in process (breakpoints bind)
 * or through a real worker thread (what production does).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { createHost, type PluginHost } from '../host/plugin-host.js';
import { readManifest } from '../manifest/index.js';
import type { Remote } from '../host/remote.js';
import type { Isolation } from '../manifest/index.js';

export { callContext } from './call-context.js';

/** Options for {@link startTestPlugin}. */
export interface TestPluginOptions {
  /**
   * `inline` (default) runs in the test's thread, where breakpoints bind, but values pass
   * by reference; `thread` runs in a real worker, as production does, where every
   * argument, result and error is encoded. Run a plugin's tests both ways.
   */
  isolation?: Isolation;
  /** Config per service, merged over the manifest's defaultConfig. */
  config?: Record<string, Record<string, unknown>>;
  /** Default: a silent logger. */
  logger?: Logger;
}

/** A plugin started for a test. */
export interface TestPlugin {
  readonly host: PluginHost;
  /** A typed proxy to one of the plugin's services. */
  service<T>(name: string): Remote<T>;
  /** Stops the plugin and removes its temporary data directory. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the plugin in folder `dir` with a fresh temporary data directory. The host loads
 * the plugin's built `main`, as any host does, so build it first. Throws the plugin's
 * own load or start error (with its code) if it does not start.
 */
export async function startTestPlugin(
  dir: string,
  options: TestPluginOptions = {},
): Promise<TestPlugin> {
  const folder = resolve(dir);
  const { manifest } = await readManifest(folder);
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-test-'));
  const host = createHost({
    plugins: [folder],
    isolation: options.isolation ?? 'inline',
    dataDir,
    logger: options.logger ?? pino({ level: 'silent' }),
    config: { [manifest.name]: options.config ?? {} },
  });
  let failure: unknown;
  host.once('plugin:failed', (event: { error: unknown }) => {
    failure = event.error;
  });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= host.close().then(() => rm(dataDir, { recursive: true, force: true }));
    return closed;
  };
  try {
    await host.start();
    const [problem] = host.problems();
    if (problem !== undefined) throw problem.error;
    if (failure !== undefined) throw failure;
  } catch (error) {
    await close();
    throw error;
  }
  return { host, service: (name) => host.service(name), close };
}
