/**
 * `berth plugins …`: inspect plugins without running them.
 */
import { Command } from 'commander';
import { discoverPlugins, readManifest, isBerthError } from '../index.js';
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
    .description("check a plugin folder's plugin.json (and that its main module exists)")
    .argument('<dir>', 'the plugin folder')
    .action(async (dir: string) => {
      try {
        const { manifest, mainPath } = await readManifest(dir);
        process.stdout.write(
          `✓ ${manifest.name}@${manifest.version} is valid (main: ${mainPath})\n`,
        );
      } catch (error) {
        if (!isBerthError(error)) throw error;
        process.stderr.write(`✗ ${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
  return plugins;
}
