/**
 * The recovery figure: how long after a plugin's worker dies the next call is answered
 * by a new one. Each sample kills the worker (a method that calls process.exit), then
 * times from that call's rejection to the answer of the next call, which waits for the
 * restart. Backoff is set to zero here so the figure is the mechanism alone (detection,
 * a new worker, the handshake, onStart); a host adds its configured backoff on top
 * (100 ms by default for a first crash).
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createHost, isBerthError, codes } from '../src/index.js';
import { benchPluginsDir } from './berth-transports.js';
import type { BenchTarget } from './plugins/bench-target/index.js';
import { quantile } from './stats.js';

/** p50 and p99 of `samples` recoveries, in µs. */
export async function measureRecovery(
  samples: number,
  dataDir: string,
): Promise<{ p50_us: number; p99_us: number; samples: number }> {
  const host = createHost({
    plugins: [benchPluginsDir],
    enable: ['bench-target'],
    isolation: 'thread',
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
