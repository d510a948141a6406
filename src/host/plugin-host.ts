/**
 * The host: finds plugins, starts each behind its isolation, and routes calls from typed
 * proxies to them. It delegates: discovery to src/discovery, running plugin code to
 * src/isolation, errors to src/errors.
 *
 * Events (each logged once, each with `{ plugin, … }`): `plugin:started`,
 * `plugin:crashed`, `plugin:backoff`, `plugin:restarted`, `plugin:degraded`,
 * `plugin:recovered`, `plugin:failed`, `plugin:stopped`; and `host:closed`.
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
import { Supervisor } from '../supervisor/supervisor.js';
import { findPlugins } from './find-plugins.js';
import { resolveHostOptions, type HostOptions, type ResolvedHostOptions } from './host-options.js';
import { mergeConfig } from './merge-config.js';
import { describePlugin, type PluginInfo, type PluginRecord } from './plugin-record.js';
import { createServiceProxy, type Remote } from './remote.js';

/** Per-proxy call options. */
export interface ServiceOptions {
  /** Aborts every call made through this proxy when it fires. */
  signal?: AbortSignal;
  /** The deadline of each call made through this proxy; default the host's `callTimeoutMs`. */
  timeoutMs?: number;
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
    const options = this.#options;
    const isolation =
      options.isolation ??
      (manifest.services.every((s) => s.isolation === 'inline') ? 'inline' : 'thread');
    const dataDir = join(options.dataDir, 'plugins', manifest.name);
    const services = manifest.serviceOrder.map((name) => {
      const service = manifest.services.find((s) => s.name === name);
      return {
        name,
        config: mergeConfig(service?.defaultConfig ?? {}, options.config[manifest.name]?.[name]),
      };
    });
    // One worker per plugin: its services share the limits; the first service that sets them wins.
    const limits = manifest.services.map((s) => s.resourceLimits).find((l) => l !== undefined);
    const makeRuntime = (onExit: (error: BerthError) => void): PluginRuntime => {
      const spec: RuntimeSpec = {
        boot: {
          name: manifest.name,
          version: manifest.version,
          mainPath: loaded.mainPath,
          dataDir,
          services,
        },
        logger: this.#log,
        resourceLimits: limits,
        startTimeoutMs: options.startTimeoutMs,
        stopTimeoutMs: options.stopTimeoutMs,
        hangTimeoutMs: options.hangTimeoutMs,
        onExit,
      };
      return isolation === 'inline' ? createInlineRuntime(spec) : createThreadRuntime(spec);
    };
    const supervisor = new Supervisor({
      manifest,
      makeRuntime,
      logger: this.#log,
      restart: options.restart,
      health: options.health,
      maxInFlight: options.maxInFlight,
      callTimeoutMs: options.callTimeoutMs,
      emit: (event, payload) => this.emit(event, payload),
    });
    const record: PluginRecord = {
      manifest,
      dir: loaded.dir,
      mainPath: loaded.mainPath,
      dataDir,
      isolation,
      supervisor,
    };
    this.#plugins.set(manifest.name, record);
    return record;
  }

  async #startPlugin(record: PluginRecord): Promise<void> {
    const { manifest } = record;
    if (
      this.#options.isolation === undefined &&
      manifest.services.some((s) => s.isolation === 'pool')
    ) {
      record.supervisor.state = 'failed';
      record.supervisor.lastError = new BerthError(
        codes.ISOLATION_UNSUPPORTED,
        `plugin "${manifest.name}" asks for isolation "pool", which this version of Berth does not offer yet; ` +
          'use "thread" in its plugin.json',
        { plugin: manifest.name },
      );
      this.#log.error(
        { plugin: manifest.name, err: record.supervisor.lastError },
        'plugin not started',
      );
      this.emit('plugin:failed', { plugin: manifest.name, error: record.supervisor.lastError });
      return;
    }
    await mkdir(record.dataDir, { recursive: true });
    await record.supervisor.start();
  }

  /**
   * A typed proxy for the service `name` (or `plugin/service` when several plugins
   * provide one name). The service is looked up at each call, so a proxy may be made
   * before `start()` and outlives restarts of its plugin.
   */
  service<T>(name: string, options: ServiceOptions = {}): Remote<T> {
    const callOptions = { signal: options.signal, timeoutMs: options.timeoutMs };
    return createServiceProxy<T>((method, args) => {
      try {
        const { record, service } = this.#resolve(name);
        return record.supervisor.call(service, method, args, callOptions);
      } catch (error) {
        return Promise.reject(error);
      }
    });
  }

  /**
   * Restarts a plugin now (operator action): closes an open breaker, stops the running
   * instance gracefully and starts a fresh one. Resolves when it runs (or has failed).
   */
  async restart(name: string): Promise<void> {
    const record = this.#plugins.get(name);
    if (record === undefined)
      throw new BerthError(codes.PLUGIN_NOT_FOUND, `no plugin named "${name}"`, { plugin: name });
    await record.supervisor.restart();
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
    await Promise.all([...this.#plugins.values()].map((record) => record.supervisor.stop()));
    this.emit('host:closed');
  }

  #closedError(): BerthError {
    return new BerthError(
      codes.HOST_CLOSED,
      'the host is closed; create a new one to make more calls',
    );
  }
}
