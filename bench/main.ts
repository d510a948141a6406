/**
 * `npm run bench` / `berth bench`: what isolation costs, measured side by side.
 * Runs from the build (workers load compiled JavaScript): `node dist/bench/main.js --help`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { makePlan } from './plan.js';
import { renderComparison } from './report/compare.js';
import { renderHtml } from './report/html.js';
import { renderMarkdown } from './report/markdown.js';
import type { BenchResults } from './results.js';
import { runSuite } from './run-suite.js';

const program = new Command('berth bench')
  .description(
    'Measure one call through in-process, Berth (inline, thread, pool), postMessage, comlink, piscina,\n' +
      'child-process IPC, HTTP and gRPC, for a tiny answer, 1,000 resources and 1 MiB of bytes.',
  )
  .option('--quick', 'a smoke run: one short round, under a minute')
  .option(
    '--filter <terms>',
    'comma-separated transport names (substrings) and/or payloads (tiny, records, binary)',
  )
  .option('--json <file>', 'write every figure as JSON')
  .option('--html <file>', 'write a self-contained HTML report with charts')
  .option('--compare <old.json>', 'print the change of every figure against an earlier --json')
  .action(
    async (flags: {
      quick?: boolean;
      filter?: string;
      json?: string;
      html?: string;
      compare?: string;
    }) => {
      // Read the old run first: a typo in the path should not cost a whole run.
      const before =
        flags.compare === undefined
          ? undefined
          : (JSON.parse(await readFile(flags.compare, 'utf8')) as BenchResults);
      const terms = (flags.filter ?? '')
        .split(',')
        .map((term) => term.trim())
        .filter((term) => term !== '');
      const run = await runSuite(makePlan(flags.quick === true), { terms });
      process.stdout.write(renderMarkdown(run));
      if (before !== undefined) process.stdout.write(`\n${renderComparison(before, run)}`);
      if (flags.json !== undefined)
        await writeFile(flags.json, `${JSON.stringify(run, null, 2)}\n`);
      if (flags.html !== undefined) await writeFile(flags.html, renderHtml(run));
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(
    `berth bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
