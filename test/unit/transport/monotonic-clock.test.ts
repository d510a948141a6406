import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { monotonicMs } from '../../../src/transport/monotonic-clock.js';

describe('monotonicMs', () => {
  it('reads the clock another thread reads: a time taken in a worker falls between two taken here', async () => {
    const worker = new Worker(
      `require('node:worker_threads').parentPort.postMessage(Number(process.hrtime.bigint()) / 1e6)`,
      { eval: true },
    );
    try {
      const before = monotonicMs();
      const [theirs] = (await new Promise((resolve, reject) => {
        worker.once('message', (value: number) => resolve([value]));
        worker.once('error', reject);
      })) as [number];
      const after = monotonicMs();
      // Within a few µs of rounding either way: the two threads take their offsets apart.
      expect(theirs).toBeGreaterThanOrEqual(before - 0.01);
      expect(theirs).toBeLessThanOrEqual(after + 0.01);
    } finally {
      await worker.terminate();
    }
  });

  it('never goes back', () => {
    let last = monotonicMs();
    for (let i = 0; i < 10_000; i += 1) {
      const now = monotonicMs();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});
