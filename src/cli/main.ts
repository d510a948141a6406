#!/usr/bin/env node
/**
 * The `berth` command.
 */
import { Command } from 'commander';
import { BERTH_VERSION, isBerthError } from '../index.js';
import { benchCommand } from './bench-command.js';
import { demoCommand } from './demo-command.js';
import { initCommand } from './init-command.js';
import { pluginsCommand } from './plugins-command.js';
import { serveCommand } from './serve-command.js';

const program = new Command('berth')
  .description(
    'Berth: a plugin host where every plugin runs crash-isolated in its own worker thread',
  )
  .version(BERTH_VERSION)
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(demoCommand())
  .addCommand(pluginsCommand())
  .addCommand(initCommand())
  .addCommand(benchCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(
    `berth: ${isBerthError(error) ? `${error.code}: ` : ''}${(error as Error).message}\n`,
  );
  process.exitCode = 1;
});
