/**
 * The recovery figure: how long after a plugin's worker dies the next call is answered
 * by a new one, for a worker thread and for a plugin process. Each sample kills the
 * worker (a method that calls process.exit: it ends the thread, or the whole process), then
 * times from that call's rejection to the answer of the next call, which waits for the
 * restart. Backoff is set to zero here so the figure is the mechanism alone (detection,
 * a new worker or process, the handshake, onStart); a host adds its configured backoff on top
 * (100 ms by default for a first crash).
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createHost, isBerthError, codes } from '../src/index.js';
import { benchPluginsDir } from './berth-transports.js';
import type { BenchTarget } from './plugins/bench-target/index.js';
import type { ResultRow } from './results.js';
import { quantile } from './stats.js';

/** The isolations whose recovery is measured, each as its transport is named. */
const RECOVERING = ['thread', 'process'] as const;

/**
 * The recovery rows of a run: one per isolation whose transport `want` picks, each from
 * `samples` crashes of a host of its own.
 */
export async function measureRecoveryRows(
  samples: number,
  want: (transport: string) => boolean,
  dataDir: string,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const isolation of RECOVERING) {
    const transport = `berth ${isolation}`;
    if (!want(transport)) continue;
    process.stderr.write(`measuring recovery of ${transport} (${samples} crashes)\n`);
    const recovery = await measureRecovery(isolation, samples, `${dataDir}-${isolation}`);
    rows.push({
      scenario: 'recovery',
      transport,
      payload: 'crash to next answer',
      p50_us: recovery.p50_us,
      p99_us: recovery.p99_us,
      calls_per_s: null,
      samples: recovery.samples,
      p50_noise: null,
      calls_per_s_noise: null,
    });
  }
  return rows;
}

/** p50 and p99 of `samples` recoveries, in µs. */
export async function measureRecovery(
  isolation: 'thread' | 'process',
  samples: number,
  dataDir: string,
): Promise<{ p50_us: number; p99_us: number; samples: number }> {
  const host = createHost({
    plugins: [benchPluginsDir],
    enable: ['bench-target'],
    isolation,
    dataDir,
    logger: pino({ level: 'silent' }),
    restart: { initialDelayMs: 0, jitter: 0, budget: samples + 10 },
  });
  try {
    await host.start();
    const target = host.service<BenchTarget>('target');
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const died = await target.crash().then(
        () => false,
        (error: unknown) => isBerthError(error, codes.PLUGIN_CRASHED),
      );
      if (!died) throw new Error('recovery: the crash call did not end the worker');
      const started = performance.now();
      const answer = await target.tiny(i);
      times.push((performance.now() - started) * 1000);
      if (answer.id !== i) throw new Error('recovery: wrong answer after the restart');
    }
    const sorted = times.sort((a, b) => a - b);
    return { p50_us: quantile(sorted, 0.5), p99_us: quantile(sorted, 0.99), samples };
  } finally {
    await host.close();
  }
}
