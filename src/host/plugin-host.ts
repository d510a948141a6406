/**
 * The host: finds plugins, starts each behind its isolation, and routes calls from typed
 * proxies to them. It delegates: discovery to src/discovery, running plugin code to
 * src/isolation, errors to src/errors.
 *
 * Operators manage plugins while it runs (install, enable, disable, remove, configure:
 * the operator's lifecycle, in lifecycle/); what they decide is kept in the data
 * directory (lifecycle/state-store.ts) and taken up again at the next start
 * (collect-plugins.ts). With `watch`, it also takes plugins dropped into its plugin
 * folders and upgrades running ones in place (lifecycle/drop-in-handler.ts,
 * lifecycle/upgrade-plugin.ts).
 *
 * A call from a proxy costs one cached lookup (resolve-service.ts) and one router hop
 * (src/upgrade/create-router.ts) before the supervisor.
 *
 * Events (each logged once, each with `{ plugin, … }`): `plugin:started`,
 * `plugin:crashed`, `plugin:backoff`, `plugin:restarted`, `plugin:degraded`,
 * `plugin:recovered`, `plugin:failed`, `plugin:stopped`; `plugin:installed`,
 * `plugin:enabled`, `plugin:disabled`, `plugin:removed`, `plugin:configured`;
 * `plugin:upgraded`, `plugin:upgrade-failed`; and `host:closed`.
 *
 * (size rule: a little over 300 lines, for it is the public API, each method documented; the
 * work is in the modules named above.)
 */
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type {
  DiscoveryProblem,
  DiscoveryResult,
  LoadedManifest,
  PluginDirWatcher,
} from '../discovery/index.js';
import { BerthError, codes } from '../errors.js';
import { createStateStore, type StateStore } from './lifecycle/state-store.js';
import { collectPlugins, logCollected, warnEnabledNotFound } from './collect-plugins.js';
import { watchDropIns } from './lifecycle/drop-in-handler.js';
import { findPlugins } from './find-plugins.js';
import { resolveHostOptions, type HostOptions, type ResolvedHostOptions } from './host-options.js';
import { HostProblems } from './host-problems.js';
import { makeRecord, type RecordContext } from './make-record.js';
import type { LifecycleHost } from './lifecycle/lifecycle-host.js';
import {
  PluginLifecycle,
  type ConfigChange,
  type ConfigureOptions,
} from './lifecycle/plugin-lifecycle.js';
import { describePlugin, type PluginInfo, type PluginRecord } from './plugin-record.js';
import { PluginRecords } from './plugin-records.js';
import { resolveServiceConfig } from '../config/resolve-service-config.js';
import { uninstallRecord } from './lifecycle/uninstall-plugin.js';
import type { LeasedRemote, Remote } from './remote.js';
import { serviceProxy, type ServiceOptions } from './service-proxy.js';

/** Makes a host. Nothing is discovered or started until `start()`. */
export function createHost(options: HostOptions = {}): PluginHost {
  return new PluginHost(resolveHostOptions(options));
}

/** A plugin host. Create it with {@link createHost}. */
export class PluginHost extends EventEmitter {
  readonly #options: ResolvedHostOptions;
  readonly #log: Logger;
  readonly #plugins = new PluginRecords();
  readonly #store: StateStore;
  readonly #lifecycleHost: LifecycleHost;
  readonly #lifecycle: PluginLifecycle;
  readonly #records: RecordContext;
  readonly #problems = new HostProblems();
  /** Aborted when the host closes: an upgrade that has not switched yet is abandoned. */
  readonly #closed = new AbortController();
  #watcher: PluginDirWatcher | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link createHost}. */
  constructor(options: ResolvedHostOptions) {
    super();
    this.#options = options;
    this.#log = options.logger;
    this.#store = createStateStore(options.dataDir);
    this.#records = {
      options,
      log: this.#log,
      serviceConfigs: (loaded) => this.#serviceConfigs(loaded),
      emit: (event, payload) => this.emit(event, payload),
      touch: () => this.#plugins.touch(),
    };
    this.#lifecycleHost = {
      records: this.#plugins,
      store: this.#store,
      log: this.#log,
      makeRecord: (loaded, trial) => makeRecord(this.#records, loaded, trial),
      launch: (record) => this.#launch(record),
      configOf: (loaded, service, overrides) =>
        resolveServiceConfig(loaded, service, this.#options.config, overrides),
      migrateDown: uninstallRecord,
      emit: (event, payload) => this.emit(event, payload),
      assertOpen: () => {
        if (this.#closing !== undefined) throw this.#closedError();
      },
    };
    this.#lifecycle = new PluginLifecycle(this.#lifecycleHost);
  }

  /**
   * Discovers plugins, takes up the lifecycle state of the data directory, and starts
   * every enabled plugin. A plugin that is broken or fails to start is logged, reported
   * by `plugins()`/`problems()` and skipped; the others run. Resolves when every plugin
   * has started or failed; safe to call more than once. Rejects only when the state file
   * is unreadable (BERTH_ERR_STATE_INVALID), since starting without it would undo the
   * operator's decisions.
   */
  start(): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError());
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { pluginDirs, enable } = this.#options;
    const found = await this.#find();
    await this.#store.load();
    const collected = await collectPlugins(found.plugins, this.#store, this.#options, this.#log);
    this.#problems.addAll(found.problems, 'scan');
    this.#problems.addAll(collected.problems, 'host');
    for (const { dir, error } of this.#problems.list()) {
      this.#log.warn({ dir, code: error.code, err: error }, `plugin skipped: ${error.message}`);
    }
    warnEnabledNotFound(found.plugins, enable, pluginDirs, this.#log);
    for (const { active, versions, enabled } of collected.plugins) {
      const record = makeRecord(this.#records, active, false);
      record.versions = versions;
      record.enabled = enabled;
      this.#plugins.set(active.manifest.name, record);
    }
    logCollected(this.#log, pluginDirs, found.plugins, collected.plugins);
    const starting = [...this.#plugins.values()].filter((record) => record.enabled);
    await Promise.all(starting.map((record) => this.#launch(record)));
    if (this.#options.watch && this.#closing === undefined) this.#watch(found);
  }

  /** Every plugin in the plugin folders and npm roots, as at start. */
  #find(): Promise<DiscoveryResult> {
    const { pluginDirs, optionalPluginDirs, npmRoots, optionalNpmRoots } = this.#options;
    return findPlugins(pluginDirs, [...optionalPluginDirs, ...optionalNpmRoots], npmRoots);
  }

  /** Starts watching the plugin folders from what start found (drop-in-handler.ts). */
  #watch(baseline: DiscoveryResult): void {
    const { enable, autoEnable } = this.#options;
    const lifecycle = this.#lifecycle;
    this.#watcher = watchDropIns(
      {
        ...this.#lifecycleHost,
        problems: this.#problems,
        signal: this.#closed.signal,
        // A call cannot outlive its deadline, so neither need the drain.
        drainTimeoutMs: this.#options.callTimeoutMs,
        exclusive: (name, task) => lifecycle.exclusive(name, task),
        startsDropIn: (name) => autoEnable || enable?.includes(name) === true,
        enableNames: (name) => enable?.includes(name) === true,
      },
      { pluginDirs: this.#options.pluginDirs, baseline, find: () => this.#find() },
    );
  }

  /** The config of each service of `loaded`, in start order; throws CONFIG_INVALID. */
  #serviceConfigs(loaded: LoadedManifest): { name: string; config: Record<string, unknown> }[] {
    const stored = this.#store.get(loaded.manifest.name);
    return loaded.manifest.serviceOrder.map((name) => ({
      name,
      config: resolveServiceConfig(loaded, name, this.#options.config, stored?.config[name]),
    }));
  }

  /** Starts a record whose configs pass their schemas; one that fails is `failed`. */
  async #launch(record: PluginRecord): Promise<void> {
    try {
      this.#serviceConfigs(record.loaded);
    } catch (error) {
      // The supervisor logs and emits plugin:failed with the config's error.
      record.supervisor.refuse(error as BerthError);
      return;
    }
    await mkdir(record.dataDir, { recursive: true });
    await record.supervisor.start();
  }

  /**
   * A typed proxy for the service `name` (or `plugin/service` when several plugins
   * provide one name). The service is looked up again whenever the plugins change (one
   * registered, removed, enabled, disabled or upgraded), so a proxy may be made before
   * `start()` and outlives restarts and upgrades of its plugin.
   */
  service<T>(name: string, options: ServiceOptions & { zeroCopy: true }): LeasedRemote<T>;
  service<T>(name: string, options?: ServiceOptions): Remote<T>;
  service<T>(name: string, options: ServiceOptions = {}): Remote<T> | LeasedRemote<T> {
    return serviceProxy<T>(this.#plugins, name, options, {
      started: () => this.#starting !== undefined,
      closed: () => (this.#closing === undefined ? undefined : this.#closedError()),
    });
  }

  /**
   * Restarts a plugin now (operator action): closes an open breaker, stops the running
   * instance gracefully and starts a fresh one. Resolves when it runs (or has failed).
   * Restarts asked for while one is in progress join it (one stop, one start), and calls
   * made meanwhile wait for it within their deadline. A disabled plugin is not restarted
   * (BERTH_ERR_PLUGIN_DISABLED): enable it.
   */
  async restart(name: string): Promise<void> {
    await this.#lifecycle.restart(name);
  }

  /**
   * Installs the plugin in folder `dir` (see plugin-lifecycle.ts): checks its manifest,
   * engines.berth and config, starts it once in a worker thread (its migrations run
   * up), and records it; a new plugin is installed disabled. Starts the host first if
   * needed. Resolves with its summary.
   */
  async install(dir: string): Promise<PluginInfo> {
    await this.start();
    return describePlugin(await this.#lifecycle.install(dir));
  }

  /**
   * Enables `name`, or switches to the installed version `name@version`: its services
   * start in serviceOrder, all or nothing (BERTH_ERR_START_FAILED names the service that
   * failed, after the others were stopped again). Remembered across restarts.
   */
  async enable(ref: string): Promise<PluginInfo> {
    await this.start();
    return describePlugin(await this.#lifecycle.enable(ref));
  }

  /** Disables `name`: its services stop in reverse order. Remembered across restarts. */
  async disable(name: string): Promise<PluginInfo> {
    await this.start();
    return describePlugin(await this.#lifecycle.disable(name));
  }

  /**
   * Removes the disabled plugin `name` (its migrations run down, its record is deleted),
   * or forgets one inactive installed version, `name@version`.
   */
  async remove(ref: string): Promise<void> {
    await this.start();
    await this.#lifecycle.remove(ref);
  }

  /**
   * Changes the config of `service` of plugin `name` live: `patch` is merged over the
   * operator's earlier changes (`null` removes a key; `replace` drops them instead),
   * checked against the service's configSchema, offered to the running instance
   * (onConfigValidate may refuse it: BERTH_ERR_CONFIG_INVALID, the old config stays),
   * applied by onConfigChange without a restart, and recorded once accepted.
   */
  async configure(
    name: string,
    service: string,
    patch: Record<string, unknown>,
    options: ConfigureOptions = {},
  ): Promise<ConfigChange> {
    await this.start();
    return this.#lifecycle.configure(name, service, patch, options);
  }

  /**
   * The folders plugins are found in: each plugin directory, and `node_modules` of each
   * npm root. A service may confine installs to them.
   */
  installRoots(): string[] {
    const { pluginDirs, npmRoots } = this.#options;
    return [...pluginDirs, ...npmRoots.map((root) => join(root, 'node_modules'))];
  }

  /** Every plugin the host knows (found or installed), whatever its state. */
  plugins(): PluginInfo[] {
    return [...this.#plugins.values()]
      .map(describePlugin)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Plugin folders that were found but could not be loaded, each with its error: at
   * start, and while the host watches, broken drop-ins and failed upgrades too. A problem
   * is dropped once its folder is fixed (host-problems.ts).
   */
  problems(): readonly DiscoveryProblem[] {
    return this.#problems.list();
  }

  /**
   * Stops watching the plugin folders (an upgrade not yet switched is abandoned, the old
   * version kept), then stops every plugin (each drains its calls, then runs `onStop` in
   * reverse serviceOrder, then its worker is terminated) and refuses further calls with
   * BERTH_ERR_HOST_CLOSED. Never rejects; safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed.abort(this.#closedError());
    await this.#starting?.catch(() => {});
    // Waits for the change being handled; an upgrade not yet switched is abandoned.
    await this.#watcher?.close();
    // An operation under way may still register or start an instance; let it finish.
    await this.#lifecycle.idle();
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
