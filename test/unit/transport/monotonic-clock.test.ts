import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { measureOffset, monotonicMs } from '../../../src/transport/monotonic-clock.js';

describe('monotonicMs', () => {
  it("reads the clock another thread reads: the worker's own reading falls between two taken here", async () => {
    // The worker takes its offset as the module does (measureOffset's own source) and
    // posts its reading, so the offset of another thread is what is checked.
    const before = monotonicMs();
    const worker = new Worker(
      `const { performance } = require('node:perf_hooks');
       const measureOffset = ${measureOffset.toString()};
       const offset = measureOffset(() => performance.now(), () => Number(process.hrtime.bigint()) / 1e6);
       require('node:worker_threads').parentPort.postMessage(performance.now() + offset);`,
      { eval: true },
    );
    try {
      const theirs = await new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const after = monotonicMs();
      // Within rounding either way: each thread takes its offset apart.
      expect(theirs).toBeGreaterThanOrEqual(before - 0.01);
      expect(theirs).toBeLessThanOrEqual(after + 0.01);
    } finally {
      await worker.terminate();
    }
  });
});
