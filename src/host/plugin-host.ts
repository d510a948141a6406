/**
 * The host: finds plugins, starts each behind its isolation, and routes calls from typed
 * proxies to them. It delegates: discovery to src/discovery, running plugin code to
 * src/isolation, errors to src/errors.
 *
 * Events (each logged once): `plugin:started`, `plugin:stopped`, `plugin:crashed`,
 * `plugin:failed`, each with `{ plugin, error? }`; `host:closed`.
 */
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DiscoveryProblem, LoadedManifest } from '../discovery/index.js';
import { BerthError, codes } from '../errors.js';
import { createInlineRuntime } from '../isolation/inline-runtime.js';
import type { PluginRuntime, RuntimeSpec } from '../isolation/runtime.js';
import { createThreadRuntime } from '../isolation/thread-runtime.js';
import { findPlugins } from './find-plugins.js';
import { resolveHostOptions, type HostOptions, type ResolvedHostOptions } from './host-options.js';
import { mergeConfig } from './merge-config.js';
import { describePlugin, type PluginInfo, type PluginRecord } from './plugin-record.js';
import { createServiceProxy, type Remote } from './remote.js';

/** Per-proxy call options. */
export interface ServiceOptions {
  /** Aborts every call made through this proxy when it fires. */
  signal?: AbortSignal;
}

/** Makes a host. Nothing is discovered or started until `start()`. */
export function createHost(options: HostOptions = {}): PluginHost {
  return new PluginHost(resolveHostOptions(options));
}

/** A plugin host. Create it with {@link createHost}. */
export class PluginHost extends EventEmitter {
  readonly #options: ResolvedHostOptions;
  readonly #log: Logger;
  readonly #plugins = new Map<string, PluginRecord>();
  #problems: DiscoveryProblem[] = [];
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link createHost}. */
  constructor(options: ResolvedHostOptions) {
    super();
    this.#options = options;
    this.#log = options.logger;
  }

  /**
   * Discovers plugins and starts them. A plugin that is broken or fails to start is
   * logged, reported by `plugins()`/`problems()` and skipped; the others run. Resolves
   * when every plugin has started or failed; safe to call more than once.
   */
  start(): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError());
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { pluginDirs, optionalPluginDirs, enable } = this.#options;
    const found = await findPlugins(pluginDirs, optionalPluginDirs);
    this.#problems = found.problems;
    for (const { dir, error } of found.problems) {
      this.#log.warn({ dir, code: error.code, err: error }, `plugin skipped: ${error.message}`);
    }
    const wanted = found.plugins.filter(
      (p) => enable === undefined || enable.includes(p.manifest.name),
    );
    for (const name of enable ?? []) {
      if (!wanted.some((p) => p.manifest.name === name)) {
        this.#log.warn(
          { plugin: name, pluginDirs },
          `plugin "${name}" is enabled but was not found`,
        );
      }
    }
    this.#log.info(
      { pluginDirs, found: found.plugins.length, starting: wanted.length },
      'plugins discovered',
    );
    await Promise.all(wanted.map((loaded) => this.#startPlugin(this.#record(loaded))));
  }

  #record(loaded: LoadedManifest): PluginRecord {
    const { manifest } = loaded;
    const record: PluginRecord = {
      manifest,
      dir: loaded.dir,
      mainPath: loaded.mainPath,
      dataDir: join(this.#options.dataDir, 'plugins', manifest.name),
      isolation:
        this.#options.isolation ??
        (manifest.services.every((s) => s.isolation === 'inline') ? 'inline' : 'thread'),
      state: 'installed',
      runtime: undefined,
      methods: {},
      lastError: undefined,
      startedAt: undefined,
    };
    this.#plugins.set(manifest.name, record);
    return record;
  }

  async #startPlugin(record: PluginRecord): Promise<void> {
    const { manifest } = record;
    const plugin = manifest.name;
    record.state = 'starting';
    try {
      if (
        this.#options.isolation === undefined &&
        manifest.services.some((s) => s.isolation === 'pool')
      ) {
        throw new BerthError(
          codes.ISOLATION_UNSUPPORTED,
          `plugin "${plugin}" asks for isolation "pool", which this version of Berth does not offer yet; ` +
            'use "thread" in its plugin.json',
          { plugin },
        );
      }
      await mkdir(record.dataDir, { recursive: true });
      const runtime = this.#makeRuntime(record);
      record.runtime = runtime;
      record.methods = await runtime.start();
      if (this.#closing !== undefined) return; // closed while starting: close() stops it
      record.state = 'running';
      record.startedAt = Date.now();
      this.#log.info(
        { plugin, version: manifest.version, isolation: record.isolation },
        'plugin started',
      );
      this.emit('plugin:started', { plugin });
    } catch (error) {
      record.state = 'failed';
      record.lastError = error as BerthError;
      await record.runtime?.stop();
      this.#log.error(
        { plugin, err: error },
        `plugin failed to start: ${(error as Error).message}`,
      );
      this.emit('plugin:failed', { plugin, error });
    }
  }

  #makeRuntime(record: PluginRecord): PluginRuntime {
    const { manifest } = record;
    const services = manifest.serviceOrder.map((name) => {
      const service = manifest.services.find((s) => s.name === name);
      return {
        name,
        config: mergeConfig(
          service?.defaultConfig ?? {},
          this.#options.config[manifest.name]?.[name],
        ),
      };
    });
    // One worker per plugin: its services share the limits, so the most generous wins.
    const limits = manifest.services.map((s) => s.resourceLimits).find((l) => l !== undefined);
    const spec: RuntimeSpec = {
      boot: {
        name: manifest.name,
        version: manifest.version,
        mainPath: record.mainPath,
        dataDir: record.dataDir,
        services,
      },
      logger: this.#log,
      resourceLimits: limits,
      startTimeoutMs: this.#options.startTimeoutMs,
      stopTimeoutMs: this.#options.stopTimeoutMs,
      onExit: (error) => {
        if (record.runtime !== undefined && record.state === 'running') {
          record.state = 'crashed';
          record.lastError = error;
          this.emit('plugin:crashed', { plugin: manifest.name, error });
        }
      },
    };
    return record.isolation === 'inline' ? createInlineRuntime(spec) : createThreadRuntime(spec);
  }

  /**
   * A typed proxy for the service `name` (or `plugin/service` when several plugins
   * provide one name). The service is looked up at each call, so a proxy may be made
   * before `start()` and outlives restarts of its plugin.
   */
  service<T>(name: string, options: ServiceOptions = {}): Remote<T> {
    return createServiceProxy<T>((method, args) => this.#call(name, method, args, options.signal));
  }

  #call(
    name: string,
    method: string,
    args: unknown[],
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    try {
      const { record, service } = this.#resolve(name);
      const { runtime } = record;
      const plugin = record.manifest.name;
      if (record.state !== 'running' || runtime === undefined) {
        throw new BerthError(
          codes.PLUGIN_NOT_RUNNING,
          `plugin "${plugin}" is ${record.state}` +
            (record.lastError === undefined
              ? ''
              : ` (${record.lastError.code}: ${record.lastError.message})`),
          { plugin, service, method },
        );
      }
      if (!record.methods[service]?.includes(method)) {
        throw new BerthError(
          codes.METHOD_NOT_FOUND,
          `service "${service}" of plugin "${plugin}" has no method "${method}"; ` +
            `it has: ${record.methods[service]?.join(', ') ?? 'none'}`,
          { plugin, service, method },
        );
      }
      return runtime.call(service, method, args, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #resolve(name: string): { record: PluginRecord; service: string } {
    if (this.#closing !== undefined) throw this.#closedError();
    const slash = name.indexOf('/');
    if (slash !== -1) {
      const plugin = name.slice(0, slash);
      const service = name.slice(slash + 1);
      const record = this.#plugins.get(plugin);
      if (record === undefined) {
        throw new BerthError(
          codes.PLUGIN_NOT_FOUND,
          `no plugin named "${plugin}" (asked for "${name}")`,
          { plugin },
        );
      }
      if (!record.manifest.services.some((s) => s.name === service)) {
        throw new BerthError(
          codes.SERVICE_NOT_FOUND,
          `plugin "${plugin}" has no service "${service}"`,
          {
            plugin,
            service,
          },
        );
      }
      return { record, service };
    }
    const providers = [...this.#plugins.values()].filter((r) =>
      r.manifest.services.some((s) => s.name === name),
    );
    const [only, ...others] = providers;
    if (only === undefined) {
      throw new BerthError(
        codes.SERVICE_NOT_FOUND,
        `no plugin provides a service "${name}"` +
          (this.#starting === undefined ? '; call host.start() first' : ''),
        { service: name },
      );
    }
    if (others.length > 0) {
      const names = providers.map((r) => `${r.manifest.name}/${name}`);
      throw new BerthError(
        codes.SERVICE_AMBIGUOUS,
        `several plugins provide "${name}"; name one of: ${names.join(', ')}`,
        { service: name, data: { candidates: names } },
      );
    }
    return { record: only, service: name };
  }

  /** Every plugin that was found, whatever its state. */
  plugins(): PluginInfo[] {
    return [...this.#plugins.values()]
      .map(describePlugin)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Plugin folders that were found but could not be loaded, each with its error. */
  problems(): readonly DiscoveryProblem[] {
    return this.#problems;
  }

  /**
   * Stops every plugin (each drains its calls, then runs `onStop` in reverse
   * serviceOrder, then its worker is terminated) and refuses further calls with
   * BERTH_ERR_HOST_CLOSED. Never rejects; safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(() => {});
    await Promise.all(
      [...this.#plugins.values()].map(async (record) => {
        if (record.runtime === undefined) return;
        if (record.state !== 'running' && record.state !== 'starting') {
          await record.runtime.stop(); // failed or crashed: only its leftovers to release
          return;
        }
        record.state = 'stopping';
        await record.runtime.stop();
        record.state = 'stopped';
        this.#log.info({ plugin: record.manifest.name }, 'plugin stopped');
        this.emit('plugin:stopped', { plugin: record.manifest.name });
      }),
    );
    this.emit('host:closed');
  }

  #closedError(): BerthError {
    return new BerthError(
      codes.HOST_CLOSED,
      'the host is closed; create a new one to make more calls',
    );
  }
}
