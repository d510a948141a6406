/**
 * The targets of the "data plane under real conditions" issue: Berth thread against the
 * peers on a quiet machine, in CPU time per call, and contended (busy threads on every
 * core). Each compares the same payload on both sides, within one run.
 */
import type { Ratio, TargetCheck } from './targets.js';

const THREAD = 'berth thread';
const ZERO_COPY = 'berth thread zero-copy';
const POST_MESSAGE = 'postMessage';

/** The targets, in its order: quiet, CPU, contended. */
export function dataPlaneChecks(ratio: Ratio): TargetCheck[] {
  const tiny = "quiet: tiny p50 at most 0.5x postMessage's and p99 at most postMessage's";
  const pipelined = "quiet: pipelined tiny at least 2.5x postMessage's and 10x comlink's calls/s";
  const records = 'quiet: 1,000 records at least 2x faster than postMessage and comlink';
  const binary = '1 MiB zero-copy at least 3x faster than postMessage, comlink and piscina';
  const bodies = 'raw bodies zero-copy at least 3x faster than comlink on the same bytes';
  const cpu = "CPU: berth thread CPU µs per tiny call at most postMessage's, latency and pipelined";
  const contended =
    "contended: berth thread tiny p50, p99 and pipelined calls/s no worse than postMessage's";
  const thread = [THREAD, 'tiny'] as const;
  const post = [POST_MESSAGE, 'tiny'] as const;
  const threadBusy = [THREAD, 'tiny', 'contended'] as const;
  const postBusy = [POST_MESSAGE, 'tiny', 'contended'] as const;
  return [
    ratio(tiny, 'p50_us', thread, post, 'at most', 0.5),
    ratio(tiny, 'p99_us', thread, post, 'at most', 1),
    ratio(pipelined, 'calls_per_s', thread, post, 'at least', 2.5),
    ratio(pipelined, 'calls_per_s', thread, ['comlink', 'tiny'], 'at least', 10),
    ratio(records, 'p50_us', [POST_MESSAGE, 'records'], [THREAD, 'records'], 'at least', 2),
    ratio(records, 'p50_us', ['comlink', 'records'], [THREAD, 'records'], 'at least', 2),
    ...[POST_MESSAGE, 'comlink', 'piscina'].map((peer) =>
      ratio(binary, 'p50_us', [peer, 'binary'], [ZERO_COPY, 'binary'], 'at least', 3),
    ),
    ratio(bodies, 'p50_us', ['comlink', 'bodies'], [ZERO_COPY, 'bodies'], 'at least', 3),
    ratio(cpu, 'cpu_us', thread, post, 'at most', 1),
    ratio(cpu, 'cpu_us_pipelined', thread, post, 'at most', 1),
    ratio(contended, 'p50_us', threadBusy, postBusy, 'at most', 1),
    ratio(contended, 'p99_us', threadBusy, postBusy, 'at most', 1),
    ratio(contended, 'calls_per_s', threadBusy, postBusy, 'at least', 1),
  ];
}
