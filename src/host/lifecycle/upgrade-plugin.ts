/**
 * `upgradePlugin`: replaces the running version of a plugin with another one while calls
 * keep flowing (src/upgrade holds the mechanism):
 *
 *   new record ──launch──▶ running? ──▶ healthy? ──▶ router switched, record replaced,
 *   (beside the old one)      │ no          │ no       state file records the new active
 *                             ▼             ▼          version ──▶ old drained ──▶ stopped
 *                 stopped; the old one serves on; reported (problems(), log, event)
 *
 * The new record takes over the old one's router, so a proxy that resolved the old
 * record still reaches whichever instance serves now. Both versions share the plugin's
 * data folder while they overlap.
 */
import { BerthError, codes, isBerthError } from '../../errors.js';
import { describeThrown } from '../../wire-error.js';
import type { LoadedManifest } from '../../manifest/index.js';
import { upgradeInstance } from '../../upgrade/upgrade-instance.js';
import type { SupervisedInstance } from '../../upgrade/supervised-instance.js';
import type { HostProblems } from '../host-problems.js';
import type { LifecycleHost } from './lifecycle-host.js';
import type { PluginRecord } from '../plugin-record.js';

/** What an upgrade needs of its host, beyond the lifecycle's capabilities. */
export interface UpgradeHost extends LifecycleHost {
  readonly problems: HostProblems;
  /** Fires when the host closes: an upgrade not yet switched is abandoned. */
  readonly signal: AbortSignal;
  /** How long calls on the old version may take to finish before it is stopped anyway. */
  readonly drainTimeoutMs: number;
}

/**
 * Makes `loaded` the active version of the plugin of `record`. A disabled plugin just
 * changes version (nothing runs). An enabled one is upgraded live as drawn above. Resolves
 * true once the new version is active, false when it failed: the old version then keeps
 * serving, and the failure (BERTH_ERR_UPGRADE_FAILED, the cause kept) is in problems(),
 * logged and emitted as `plugin:upgrade-failed`. Success is logged and emitted as
 * `plugin:upgraded` (`{ plugin, from, to, dir, live }`). The caller serialises operations
 * on the plugin.
 */
export async function upgradePlugin(
  host: UpgradeHost,
  record: PluginRecord,
  loaded: LoadedManifest,
): Promise<boolean> {
  const { name } = record.manifest;
  const fields = { plugin: name, from: record.manifest.version, to: loaded.manifest.version };
  const dir = loaded.dir;
  if (!record.enabled) {
    const next = host.makeRecord(loaded, false);
    next.enabled = false;
    next.versions = record.versions;
    setActive(next.versions, record, loaded);
    host.records.set(name, next);
    await recordActive(host, name, loaded);
    announce(host, { ...fields, dir, live: false });
    return true;
  }
  if (record.isolation === 'inline' && loaded.mainPath === record.mainPath) {
    // An ES module is loaded once per URL in a thread: the same file cannot be loaded anew.
    failed(host, fields, dir, inlineRefusal(name, fields.from, fields.to, loaded.mainPath));
    return false;
  }

  const next = host.makeRecord(loaded, false);
  const instance = next.router.current;
  next.router = record.router;
  next.versions = record.versions;
  let recorded: Promise<unknown> = Promise.resolve();
  let drained: boolean;
  try {
    ({ drained } = await upgradeInstance<SupervisedInstance>({
      router: record.router,
      plugin: name,
      fromVersion: fields.from,
      toVersion: fields.to,
      signal: host.signal,
      drainTimeoutMs: host.drainTimeoutMs,
      start: async () => {
        await host.launch(next);
        const { state, lastError } = next.supervisor;
        if (state === 'running' || state === 'degraded') return instance;
        await next.supervisor.stop();
        throw (
          lastError ??
          new BerthError(codes.START_FAILED, `${name}@${fields.to} did not start: it is ${state}`)
        );
      },
      onSwitch: () => {
        setActive(next.versions, record, loaded);
        host.records.set(name, next);
        recorded = recordActive(host, name, loaded);
      },
    }));
  } catch (error) {
    failed(host, fields, dir, error);
    return false;
  }
  try {
    await recorded;
  } catch (error) {
    host.log.error(
      { ...fields, err: error },
      `${name} runs ${fields.to} now, but the state file could not record it; ` +
        `the next start may run ${fields.from} again`,
    );
  }
  announce(host, { ...fields, dir, live: true, drained });
  return true;
}

/** The versions of a plugin once `loaded` is active: its folder no longer holds the old one. */
function setActive(
  versions: Map<string, LoadedManifest>,
  previous: PluginRecord,
  loaded: LoadedManifest,
): void {
  if (versions.get(previous.manifest.version)?.dir === loaded.dir) {
    versions.delete(previous.manifest.version);
  }
  versions.set(loaded.manifest.version, loaded);
}

/** The state file: `loaded` is active, and an install recorded from its folder is that version now. */
function recordActive(host: UpgradeHost, name: string, loaded: LoadedManifest): Promise<unknown> {
  const { version } = loaded.manifest;
  return host.store.update(name, (current) => {
    const installed = current.installed
      .map((v) => (v.dir === loaded.dir ? { version, dir: v.dir } : v))
      .filter((v, index, all) => all.findIndex((w) => w.version === v.version) === index);
    return { ...current, installed, active: version };
  });
}

function announce(host: UpgradeHost, payload: { plugin: string; [key: string]: unknown }): void {
  host.log.info(payload, 'plugin:upgraded');
  host.emit('plugin:upgraded', payload);
}

function failed(
  host: UpgradeHost,
  fields: { plugin: string; from: string; to: string },
  dir: string,
  thrown: unknown,
): void {
  const error = isBerthError(thrown)
    ? thrown
    : new BerthError(
        codes.UPGRADE_FAILED,
        `upgrade of plugin "${fields.plugin}" from ${fields.from} to ${fields.to} failed: ` +
          `${describeThrown(thrown)}; version ${fields.from} keeps serving`,
        { plugin: fields.plugin, cause: thrown },
      );
  host.problems.add({ dir, error }, 'host');
  host.log.error({ ...fields, dir, err: error }, 'plugin:upgrade-failed');
  host.emit('plugin:upgrade-failed', { ...fields, dir, error });
}

function inlineRefusal(name: string, from: string, to: string, mainPath: string): BerthError {
  return new BerthError(
    codes.UPGRADE_FAILED,
    `upgrade of plugin "${name}" from ${from} to ${to} was not tried: the plugin runs inline, ` +
      `in the host's own thread, which cannot load ${mainPath} a second time; version ${from} ` +
      `keeps serving. Restart the host to run ${to}, or drop ${to} into a folder of its own`,
    { plugin: name, data: { plugin: name, fromVersion: from, toVersion: to, reason: 'inline' } },
  );
}
