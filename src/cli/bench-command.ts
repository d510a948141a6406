/**
 * `berth bench`: runs the bench suite (dist/bench/main.js) with the arguments given.
 * The suite measures built code, so it runs only from a build.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BerthError, codes } from '../index.js';

/** Builds the `bench` command; every option after `bench` goes to the suite. */
export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'measure what isolation costs, side by side with other transports (bench --help for options)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_flags: unknown, command: Command) => {
      // From dist/src/cli/ the suite is dist/bench/main.js.
      const main = fileURLToPath(new URL('../../bench/main.js', import.meta.url));
      if (!existsSync(main)) {
        throw new BerthError(
          codes.CONFIG_INVALID,
          `the bench suite is not built (${main}); run "npm run build" first`,
        );
      }
      const child = spawn(process.execPath, ['--expose-gc', main, ...command.args], {
        stdio: 'inherit',
      });
      process.exitCode = await new Promise<number>((resolve) =>
        child.once('exit', (code) => resolve(code ?? 1)),
      );
    });
}
