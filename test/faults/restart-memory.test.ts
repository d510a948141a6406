/**
 * RSS across restarts (issue finding 10: 200 crash-restart cycles of a thread plugin took
 * the host's RSS from 94 MB to 0.5-1.5 GB, glibc keeping the 16 MiB buffers each worker
 * had freed). A plugin's data-plane buffers are now reused by its next worker
 * (isolation/buffer-shelf.ts): RSS levels off after the first few restarts.
 */
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { ExitsBusy } from '../fixtures/plugins/fault-exits-busy/index.js';
import { useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-exits-busy';
const CYCLES = 200;
/** Cycles before the reference figure: the allocator and the JIT have settled by then. */
const SETTLE = 10;
/**
 * Each worker returns this many results of {@link RESULT_BYTES} through its 16 MiB arena,
 * so most of its pages are written. With idle buffers the test would not see the leak:
 * never-touched pages cost no RSS (measured: flat without the shelf); with these, RSS grew
 * 10-14 MB a cycle without it, to 2.2-3 GB after 200.
 */
const RESULTS = 2;
const RESULT_BYTES = 6 * 1024 * 1024;
const MB = 1024 * 1024;

/** `global.gc` when this process runs with --expose-gc; vitest's workers do not by default. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

describe('a thread plugin that crashes and is restarted 200 times', () => {
  const start = useFaultHosts();

  it(
    'keeps the host RSS after 200 cycles within 100 MB of its value after the first 10, each crash rejecting with BERTH_ERR_PLUGIN_CRASHED and the next worker answering',
    // A cycle takes about 200-300 ms here, nearly all of it the new worker's start (a
    // thread and its module graph: pino, msgpackr, the SDK): 40-55 s for 200 on 2 shared cores.
    { timeout: 180_000 },
    async () => {
      const fault = await start([PLUGIN], {
        // A budget the breaker never reaches, and next to no backoff: the test is the cycles.
        restart: { initialDelayMs: 1, maxDelayMs: 1, jitter: 0, budget: 10_000, windowMs: 60_000 },
      });
      const busy = fault.host.service<ExitsBusy>('busy');
      const began = performance.now();
      const rss: number[] = [];
      let previous = await busy.ping();
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        // The worker writes most pages of its arena before it dies.
        for (let n = 0; n < RESULTS; n++) {
          const fill = (cycle + n) & 0xff;
          const bytes = await busy.bytes(RESULT_BYTES, fill);
          // A reused arena gives this worker's bytes, not those of the worker before it.
          expect(bytes.byteLength).toBe(RESULT_BYTES);
          expect([bytes[0], bytes[RESULT_BYTES >> 1], bytes[RESULT_BYTES - 1]]).toEqual([
            fill,
            fill,
            fill,
          ]);
        }
        const error = await rejection(busy.exit(3));
        expect(error).toMatchObject({ code: codes.PLUGIN_CRASHED, plugin: PLUGIN });
        expect(await fault.waitFor('plugin:restarted', PLUGIN, cycle)).toMatchObject({
          restarts: cycle,
        });
        const threadId = await busy.ping();
        expect(threadId).not.toBe(previous);
        previous = threadId;
        if (cycle % SETTLE === 0) {
          collectGarbage();
          rss.push(process.memoryUsage().rss);
        }
      }
      const seconds = (performance.now() - began) / 1_000;
      const settled = rss[0] ?? Number.NaN;
      const last = rss.at(-1) ?? Number.NaN;
      const figures =
        `RSS after ${SETTLE} cycles ${(settled / MB).toFixed(0)} MB, after ${CYCLES} ` +
        `${(last / MB).toFixed(0)} MB, highest ${(Math.max(...rss) / MB).toFixed(0)} MB; ` +
        `${CYCLES} cycles in ${seconds.toFixed(1)} s`;
      const series = rss.map((r) => (r / MB).toFixed(0)).join(' ');
      console.info(`${figures}; MB every ${SETTLE} cycles: ${series}`);

      expect((last - settled) / MB, figures).toBeLessThan(100);
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
        state: 'running',
        restarts: CYCLES,
      });
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );
});
