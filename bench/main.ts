/**
 * `npm run bench` / `berth bench`: what isolation costs, measured side by side.
 * Runs from the build (workers load compiled JavaScript): `node dist/bench/main.js --help`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { makePlan } from './plan.js';
import { renderComparison } from './report/compare.js';
import { renderHtml } from './report/html.js';
import { renderMarkdown } from './report/markdown.js';
import type { BenchResults } from './results.js';
import { runSuite } from './run-suite.js';
import { runSoak } from './soak.js';

/** The soak's length when `--soak` comes without a number: the two minutes. */
const DEFAULT_SOAK_S = 120;

/** Parses the value of `--busy-threads`: a whole number, 0 to leave the contended scenario out. */
function parseBusyThreads(value: string): number {
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 0) {
    throw new InvalidArgumentError('a whole number of threads, 0 or more, e.g. --busy-threads 2');
  }
  return threads;
}

/** Parses the value of `--soak`; commander reports a wrong one and exits before any run. */
function parseSoakSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('a number of seconds greater than 0, e.g. --soak 120');
  }
  return seconds;
}

const program = new Command('berth bench')
  .description(
    'Measure one call through in-process, Berth (inline, thread, thread zero-copy, pool, process), postMessage, comlink, piscina, ' +
      'child-process IPC, HTTP and gRPC, for a tiny answer, 1,000 resources (decoded, and as ' +
      'their JSON bytes) and 1 MiB of bytes: latency, p99, calls/s and CPU time per call, quiet, ' +
      'and for tiny calls again while busy threads compete for the cores.',
  )
  .option('--quick', 'a smoke run: one short round and a 5-second soak, under a minute')
  .option(
    '--filter <terms>',
    'comma-separated transport names (substrings) and/or payloads (tiny, records, bodies, binary)',
  )
  .option(
    '--soak [seconds]',
    `after the suite, a memory soak through berth thread (default ${DEFAULT_SOAK_S} s)`,
    parseSoakSeconds,
  )
  .option(
    '--busy-threads <n>',
    'threads spinning beside the transport in the contended scenario (default: one per core, ' +
      '1 with --quick; 0 leaves the scenario out)',
    parseBusyThreads,
  )
  .option('--json <file>', 'write every figure as JSON')
  .option('--html <file>', 'write a self-contained HTML report with charts')
  .option('--compare <old.json>', 'print the change of every figure against an earlier --json')
  .action(
    async (flags: {
      quick?: boolean;
      filter?: string;
      soak?: number | true;
      busyThreads?: number;
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
      const plan = makePlan(flags.quick === true, flags.busyThreads);
      const soak = flags.soak === true ? DEFAULT_SOAK_S : (flags.soak ?? plan.soakSeconds);
      const run = await runSuite(plan, { terms });
      if (soak > 0) {
        process.stderr.write(`memory soak: ${soak} s\n`);
        run.soak = await runSoak(soak, plan.window);
      }
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
