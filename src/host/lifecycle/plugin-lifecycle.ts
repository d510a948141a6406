/**
 * The operator's lifecycle of plugins on a running host (after Picodata):
 *
 *   install ──▶ enable ◀──▶ disable ──▶ remove
 *   (manifest, trial start in a worker, migrations up)
 *
 * - install: validates the manifest (engines.berth included) and the config, starts the
 *   plugin once in a worker thread and stops it again (which runs its migrations up),
 *   then records the version. A new plugin is installed disabled; another version of an
 *   installed plugin is recorded beside the active one.
 * - enable `name` or `name@version`: starts the services in serviceOrder, all or
 *   nothing; `name@version` makes that installed version the active one (and if it
 *   fails to start, the version that ran before is started again).
 * - disable: stops the services in reverse order.
 * - remove: needs the plugin disabled; runs its migrations down and forgets it. `name@version`
 *   forgets one installed version that is not active.
 * - configure: see configure-service.ts.
 *
 * Each operation on a plugin waits for the one before it on that plugin, and is in the
 * state file before it resolves, so it survives a restart of the host.
 */
import { resolve } from 'node:path';
import { BerthError, codes } from '../../errors.js';
import { readManifest, type LoadedManifest } from '../../manifest/index.js';
import { parsePluginRef } from './plugin-ref.js';
import { configureService, type ConfigChange, type ConfigureOptions } from './configure-service.js';
import { createKeyedLock } from './keyed-lock.js';
import { findRecord, findVersion, type LifecycleHost } from './lifecycle-host.js';
import type { PluginRecord } from '../plugin-record.js';
import { removePlugin } from './remove-plugin.js';

export type { ConfigChange, ConfigureOptions, LifecycleHost };

/** The lifecycle operations of one host; see the module comment. */
export class PluginLifecycle {
  readonly #host: LifecycleHost;
  readonly #lock = createKeyedLock();

  constructor(host: LifecycleHost) {
    this.#host = host;
  }

  /** Resolves once every operation begun so far has settled. Never rejects. */
  idle(): Promise<void> {
    return this.#lock.idle();
  }

  /**
   * Runs `task` as an operation on plugin `name`: after those begun before on it, and
   * before those begun later (a drop-in or an upgrade, say, never interleaves with an
   * operator's enable). Throws BERTH_ERR_HOST_CLOSED instead once the host is closing.
   */
  exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
    return this.#lock.run(name, async () => {
      this.#host.assertOpen();
      return task();
    });
  }

  /** Installs the plugin in folder `dir`; resolves with its record. */
  async install(dir: string): Promise<PluginRecord> {
    const loaded = await readManifest(resolve(dir));
    const { name, version } = loaded.manifest;
    return this.#lock.run(name, async () => {
      const host = this.#host;
      host.assertOpen();
      const stored = host.store.get(name);
      for (const service of loaded.manifest.serviceOrder) {
        host.configOf(loaded, service, stored?.config[service]);
      }
      await this.#trialStart(loaded);
      const existing = host.records.get(name);
      await host.store.update(name, (current) => {
        const { removed: _removed, ...rest } = current;
        const installed = rest.installed.filter((v) => v.version !== version);
        installed.push({ version, dir: loaded.dir });
        if (existing === undefined) return { ...rest, installed, active: version, enabled: false };
        return { ...rest, installed, active: rest.active ?? existing.manifest.version };
      });
      let record = existing;
      if (record === undefined) {
        record = host.makeRecord(loaded, false);
        record.enabled = false;
        host.records.set(name, record);
      }
      record.versions.set(version, loaded);
      host.emit('plugin:installed', { plugin: name, version, dir: loaded.dir });
      return record;
    });
  }

  /** Starts the plugin once in a worker and stops it; throws why it would not start. */
  async #trialStart(loaded: LoadedManifest): Promise<void> {
    const trial = this.#host.makeRecord(loaded, true);
    await this.#host.launch(trial);
    const failure = trial.supervisor.state === 'failed' ? trial.supervisor.lastError : undefined;
    await trial.supervisor.stop();
    if (failure === undefined) return;
    const { name, version } = loaded.manifest;
    throw new BerthError(
      failure.code,
      `${name}@${version} from ${loaded.dir} is not installed: its trial start failed: ${failure.message}`,
      { plugin: name, service: failure.service, cause: failure, data: failure.data },
    );
  }

  /**
   * Enables `name` (or switches to `name@version` and enables it). Resolves with the
   * running record; rejects with the start error (BERTH_ERR_START_FAILED names the
   * service) after stopping the services already started, with nothing recorded: the
   * active version and the enabled flag stay as they were. Enabling an enabled, running
   * plugin changes nothing.
   */
  async enable(ref: string): Promise<PluginRecord> {
    const { name, version } = parsePluginRef(ref);
    return this.#lock.run(name, async () => {
      const host = this.#host;
      host.assertOpen();
      const previous = findRecord(this.#host, name);
      const target = version === undefined ? previous.loaded : findVersion(previous, version);
      const switching = target !== previous.loaded;
      const up = ['starting', 'running', 'degraded', 'crashed', 'backoff'];
      if (!switching && previous.enabled && up.includes(previous.supervisor.state)) return previous;
      await previous.supervisor.stop();
      const next = this.#replace(previous, target);
      await host.launch(next);
      if (next.supervisor.state === 'failed') {
        const failure = next.supervisor.lastError;
        // Nothing changes but the failure, which plugins() shows: the version that was
        // active stays active, and runs again if it ran before.
        next.enabled = previous.enabled;
        if (switching) {
          const restored = this.#replace(next, previous.loaded);
          restored.enabled = previous.enabled;
          if (previous.enabled) await host.launch(restored);
        }
        throw (
          failure ??
          new BerthError(codes.START_FAILED, `plugin "${name}" did not start`, { plugin: name })
        );
      }
      await host.store.update(name, (current) => ({
        ...current,
        enabled: true,
        active: target.manifest.version,
      }));
      host.emit('plugin:enabled', { plugin: name, version: target.manifest.version });
      return next;
    });
  }

  /** A fresh record of `loaded` in place of `current`, enabled, with the same versions. */
  #replace(current: PluginRecord, loaded: LoadedManifest): PluginRecord {
    const next = this.#host.makeRecord(loaded, false);
    next.versions = current.versions;
    next.enabled = true;
    this.#host.records.set(loaded.manifest.name, next);
    return next;
  }

  /** Stops the plugin's services in reverse order and records it disabled. Idempotent. */
  async disable(name: string): Promise<PluginRecord> {
    return this.#lock.run(name, async () => {
      this.#host.assertOpen();
      const record = findRecord(this.#host, name);
      await record.supervisor.stop();
      record.enabled = false;
      await this.#host.store.update(name, (current) => ({ ...current, enabled: false }));
      this.#host.emit('plugin:disabled', { plugin: name });
      return record;
    });
  }

  /**
   * Restarts an enabled plugin now (the supervisor's restart: an open breaker closes,
   * restarts asked for meanwhile join this one). Not an exclusive operation: it changes
   * nothing the lifecycle records. A disabled plugin is refused with
   * BERTH_ERR_PLUGIN_DISABLED, saying to enable it.
   */
  async restart(name: string): Promise<void> {
    const record = findRecord(this.#host, name);
    if (!record.enabled) {
      throw new BerthError(
        codes.PLUGIN_DISABLED,
        `plugin "${name}" is disabled, so it cannot be restarted; enable it (berth plugins enable ${name}, or POST /v1/plugins/${name}/enable)`,
        { plugin: name },
      );
    }
    await record.supervisor.restart();
  }

  /**
   * Removes a disabled plugin, or one inactive installed version (remove-plugin.ts),
   * after the operations on it begun before.
   */
  async remove(ref: string): Promise<void> {
    const { name, version } = parsePluginRef(ref);
    await this.#lock.run(name, async () => {
      this.#host.assertOpen();
      await removePlugin(this.#host, name, version);
    });
  }

  /**
   * Changes the config of one service (configure-service.ts), after the operations on
   * its plugin begun before.
   */
  async configure(
    name: string,
    service: string,
    patch: Record<string, unknown>,
    options: ConfigureOptions = {},
  ): Promise<ConfigChange> {
    return this.#lock.run(name, async () => {
      this.#host.assertOpen();
      return configureService(this.#host, findRecord(this.#host, name), service, patch, options);
    });
  }
}
