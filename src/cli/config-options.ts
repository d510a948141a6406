/**
 * The options every command that reads Berth's config shares, with one meaning each:
 * `-c/--config` is a berth.config.json (its schema: docs/berth.config.schema.json), and
 * the others override its keys, as `berth serve --help` and the README list them.
 */
import type { Command } from 'commander';
import { CONFIG_FILE, DEFAULT_SERVICE_CONFIG as DEFAULTS } from '../index.js';

// No default list: commander would print it as `(default: [])`, and the default is ./plugins.
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds `-c`, `-p`, `--no-bundled-plugins`, `-d`, `--mode`, `--isolation` and
 * `--log-level` to a command.
 */
export function withConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', `a ${CONFIG_FILE} (default: ./${CONFIG_FILE} if present)`)
    .option(
      '-p, --plugins <dir>',
      'a plugins directory or plugin folder, added to the bundled plugins (repeatable; default ./plugins when it exists)',
      collect,
    )
    .option(
      '--no-bundled-plugins',
      "leave out the plugins that ship with Berth (its storage plugins); bring your storage's folder with --plugins",
    )
    .option('-d, --data-dir <dir>', `where plugins keep their data (default ./${DEFAULTS.dataDir})`)
    .option(
      '--mode <mode>',
      `production (each plugin in a worker thread, supervised) or development (inline; default ${DEFAULTS.mode})`,
    )
    .option(
      '--isolation <mode>',
      'force inline, thread, pool or process for every plugin (default: each manifest decides)',
    )
    .option(
      '--log-level <level>',
      `trace, debug, info, warn, error, fatal or silent (default ${DEFAULTS.logLevel})`,
    );
}
