/**
 * `berth plugins …`: inspect plugins without running them.
 */
import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createHost, discoverPlugins, readManifest, isBerthError } from '../index.js';
import { resolveCliSettings, withHostOptions } from './cli-config.js';

/** Builds the `plugins` command and its subcommands. */
export function pluginsCommand(): Command {
  const plugins = new Command('plugins').description('inspect plugins (nothing is loaded or run)');

  withHostOptions(plugins.command('list'))
    .description('list the plugins found in the plugin directories, and the folders that failed')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: Record<string, unknown>) => {
      const settings = await resolveCliSettings(flags);
      const found = await discoverPlugins(settings.pluginDirs);
      if (flags['json'] === true) {
        const problems = found.problems.map(({ dir, error }) => ({
          dir,
          code: error.code,
          message: error.message,
        }));
        const list = found.plugins.map(({ manifest, dir }) => ({ ...manifest, dir }));
        process.stdout.write(`${JSON.stringify({ plugins: list, problems }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`plugin directories: ${settings.pluginDirs.join(', ')}\n`);
      for (const { manifest, dir } of found.plugins) {
        const services = manifest.services
          .map((s) => `${s.name} (${s.contract}, ${s.isolation})`)
          .join(', ');
        process.stdout.write(`  ${manifest.name}@${manifest.version}  ${services}\n    ${dir}\n`);
      }
      if (found.plugins.length === 0) process.stdout.write('  no plugins found\n');
      for (const { dir, error } of found.problems) {
        process.stdout.write(`  ✗ ${dir}\n    ${error.code}: ${error.message}\n`);
      }
      if (found.problems.length > 0) process.exitCode = 1;
    });

  plugins
    .command('validate')
    .description('check a plugin folder: its plugin.json, then a trial start in a worker thread')
    .argument('<dir>', 'the plugin folder')
    .option('--no-load', 'check the manifest only; do not start the plugin')
    .action(async (dir: string, flags: { load: boolean }) => {
      try {
        const { manifest, mainPath } = await readManifest(dir);
        process.stdout.write(
          `✓ ${manifest.name}@${manifest.version}: plugin.json is valid (main: ${mainPath})\n`,
        );
        if (flags.load) {
          await trialStart(dir, manifest.name);
          process.stdout.write(
            `✓ ${manifest.name}: loads and starts in a worker thread, and stops cleanly\n`,
          );
        }
      } catch (error) {
        if (!isBerthError(error)) throw error;
        process.stderr.write(`✗ ${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
  return plugins;
}

/** Starts the plugin in `dir` in a worker with a throwaway data dir; throws its start error. */
async function trialStart(dir: string, name: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-validate-'));
  const host = createHost({
    plugins: [dir],
    dataDir,
    isolation: 'thread',
    enable: [name],
    logger: pino({ level: 'silent' }),
  });
  let failure: unknown;
  host.once('plugin:failed', (event: { error: unknown }) => (failure = event.error));
  try {
    await host.start();
    if (failure !== undefined) throw failure;
  } finally {
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
