/**
 * `uninstallPlugin`: takes a plugin's migrations down, the last step of removing it.
 *
 * The host never runs SQL itself (it does not know the plugin's database driver), so it
 * starts a fresh runtime of the plugin, thread or inline as the plugin would run, with
 * its boot in `uninstall` mode: the START control makes the plugin's services and, in
 * place of `onStart`, runs its migrations down through the service that returns a
 * `migrations` driver, then stops them (src/plugin-side/uninstall-plugin-instance.ts). The
 * runtime is then stopped; no call ever reaches the plugin.
 */
import { mkdir } from 'node:fs/promises';
import type { BerthError } from '../../errors.js';
import type { RuntimeSpec } from '../../isolation/runtime.js';
import { createRuntime } from '../../isolation/create-runtime.js';
import type { PluginRecord } from '../plugin-record.js';

/** What {@link uninstallPlugin} runs: a runtime spec, without `onExit`, and where to run it. */
export interface UninstallSpec extends Omit<RuntimeSpec, 'onExit'> {
  isolation: 'inline' | 'thread' | 'process';
}

/**
 * Runs the plugin's down migrations in a fresh runtime of `spec.isolation` and stops it
 * again. The running instance of the plugin, if any, must be stopped first. Resolves once
 * every applied migration is reverted and the runtime has ended; at once, without
 * loading the plugin, when its manifest lists no migrations. Rejects with the plugin's
 * error, its code kept, when they cannot be reverted: BERTH_ERR_MIGRATION_IRREVERSIBLE
 * (nothing was reverted), BERTH_ERR_MIGRATION_FAILED (the failing one was rolled back,
 * the ones reverted before it stay reverted), BERTH_ERR_MIGRATION_MISMATCH,
 * BERTH_ERR_MIGRATION_INVALID, BERTH_ERR_START_FAILED (a factory threw, or the start
 * deadline passed), or the crash of its worker. The runtime is stopped in every case.
 */
export async function uninstallPlugin(spec: UninstallSpec): Promise<void> {
  // Nothing to take down: the plugin's code need not even load.
  if (spec.boot.migrations.length === 0) return;
  const { isolation, ...rest } = spec;
  let crash: BerthError | undefined;
  const runtimeSpec: RuntimeSpec = {
    ...rest,
    boot: { ...spec.boot, mode: 'uninstall' },
    onExit: (error) => {
      crash = error;
    },
  };
  // A service's data directory exists before its factory runs, as when it is started.
  await mkdir(spec.boot.dataDir, { recursive: true });
  const runtime = createRuntime(runtimeSpec, isolation);
  try {
    await runtime.start();
  } finally {
    await runtime.stop();
  }
  // A worker that died between its START answer and the stop: its migrations were
  // reverted, but the caller hears of the crash rather than a clean end.
  if (crash !== undefined) throw crash;
}

/**
 * Runs the down migrations of the plugin of `record` (see {@link uninstallPlugin}) as it
 * runs, except that a pool plugin's run once, in one worker thread.
 */
export async function uninstallRecord(record: PluginRecord): Promise<void> {
  const { onExit: _onExit, ...spec } = record.runtimeSpec(() => {});
  const isolation = record.isolation === 'pool' ? 'thread' : record.isolation;
  await uninstallPlugin({ ...spec, isolation });
}
