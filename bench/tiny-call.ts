/**
 * A quick measurement of one tiny call, one in flight, through Berth inline and thread.
 * Run from the build: `npm run build && node dist/bench/tiny-call.js`.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createHost } from '../src/index.js';

interface BenchTarget {
  tiny(id: number): Promise<{ ok: boolean; id: number }>;
}

const pluginsDir = fileURLToPath(new URL('../../bench/plugins/', import.meta.url));
const WARMUP = 5_000;
const SAMPLES = 50_000;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

for (const isolation of ['inline', 'thread'] as const) {
  const host = createHost({
    plugins: [pluginsDir],
    isolation,
    dataDir: '/tmp/berth-bench',
    logger: pino({ level: 'warn' }),
  });
  await host.start();
  const target = host.service<BenchTarget>('target');
  for (let i = 0; i < WARMUP; i += 1) await target.tiny(i);
  const times = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i += 1) {
    const started = performance.now();
    const result = await target.tiny(i);
    times[i] = performance.now() - started;
    if (result.id !== i) throw new Error(`wrong result for call ${i}`);
  }
  times.sort();
  const us = (ms: number): string => (ms * 1000).toFixed(1);
  process.stdout.write(
    `${isolation}: p50 ${us(percentile(times, 0.5))} µs, p99 ${us(percentile(times, 0.99))} µs (${SAMPLES} calls)\n`,
  );
  await host.close();
}
