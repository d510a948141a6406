/**
 * The memory soak (`--soak SECONDS`): tiny, bodies and binary calls kept in flight through
 * one berth thread host for a while, plain and zero-copy calls mixed, every result checked.
 * Every second it samples the process RSS (after a full collection when node runs with
 * --expose-gc, as `npm run bench` does) and the bench-target plugin's arena bytes in use;
 * at the end it waits for every call and lease and reads the arena once more.
 *
 * What it shows (the memory target): the arena is back to zero bytes once the
 * run drains (no lease or slot is lost), and RSS stops growing in the second half (the
 * data plane does not leak on either side).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Lease, PluginHost } from '../src/index.js';
import {
  BENCH_TARGET,
  BENCH_TARGET_SERVICE,
  callBenchTarget,
  startBenchTargetHost,
  takeThenRelease,
} from './bench-target-host.js';
import { checkResult, type PayloadName } from './payloads.js';
import type { BenchTarget } from './plugins/bench-target/index.js';
import type { SoakResult, SoakSample } from './results.js';
import { slope } from './stats.js';

/** What the soak calls, in turn: each payload plain and zero-copy. */
const KINDS: readonly { payload: PayloadName; zeroCopy: boolean }[] = (
  ['tiny', 'bodies', 'binary'] as const
).flatMap((payload) => [
  { payload, zeroCopy: false },
  { payload, zeroCopy: true },
]);

const SAMPLE_EVERY_MS = 1_000;
/**
 * Every this many calls the arena's bytes in use are read for the peak; prime to the six
 * kinds, so each kind has its turn (the zero-copy ones with their lease still held).
 */
const PEAK_EVERY = 31;
/** Windows of the second half whose lowest RSS samples make the floor. */
const FLOOR_WINDOWS = 12;
const MIB = 1024 * 1024;

/** A full collection when node runs with --expose-gc, else nothing. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The arena of bench-target as `host.plugins()` reports it; fails if there is none. */
function arenaOf(host: PluginHost): { bytesInUse: number; capacity: number } {
  const arena = host.plugins().find((p) => p.name === BENCH_TARGET)?.arena;
  if (arena === undefined) {
    throw new Error(
      `soak: ${BENCH_TARGET} reports no result arena; the soak needs thread isolation and its data plane`,
    );
  }
  return arena;
}

/** The sample nearest `t` seconds. */
function sampleAt(samples: readonly SoakSample[], t: number): SoakSample {
  let best = samples[0] as SoakSample;
  for (const sample of samples)
    if (Math.abs(sample.t_s - t) < Math.abs(best.t_s - t)) best = sample;
  return best;
}

/**
 * The RSS floor between `from` and `to` seconds: the lowest sample of each of
 * FLOOR_WINDOWS equal windows. Even right after a collection RSS jumps by tens of MiB
 * from one second to the next (allocator arenas, buffers in flight); a leak raises the
 * floor, so the floor's slope is the trend and the jumps are not.
 */
function rssFloor(samples: readonly SoakSample[], from: number, to: number): SoakSample[] {
  const width = (to - from) / FLOOR_WINDOWS;
  const lowest = new Map<number, SoakSample>();
  for (const sample of samples) {
    if (sample.t_s < from || width <= 0) continue;
    const window = Math.min(FLOOR_WINDOWS - 1, Math.floor((sample.t_s - from) / width));
    const low = lowest.get(window);
    if (low === undefined || sample.rss_bytes < low.rss_bytes) lowest.set(window, sample);
  }
  return [...lowest.values()];
}

/**
 * Runs the soak for `seconds` with `window` calls in flight, in a host of its own (its
 * data directory is removed afterwards). Rejects on the first wrong result.
 */
export async function runSoak(seconds: number, window: number): Promise<SoakResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-soak-'));
  let host: PluginHost | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    host = await startBenchTargetHost(dataDir);
    const started = host;
    const plain = started.service<BenchTarget>(BENCH_TARGET_SERVICE);
    const leased = started.service<BenchTarget>(BENCH_TARGET_SERVICE, { zeroCopy: true });
    const counts: Record<string, number> = {};
    const samples: SoakSample[] = [];
    let peak = 0;
    const t0 = performance.now();
    const sample = (): void => {
      // RSS right after a full collection (npm run bench exposes gc) follows what is
      // retained, not how much garbage the last second left: the slope is then a trend.
      collectGarbage();
      samples.push({
        t_s: (performance.now() - t0) / 1000,
        rss_bytes: process.memoryUsage.rss(),
        arena_bytes_in_use: arenaOf(started).bytesInUse,
      });
    };
    sample();
    timer = setInterval(sample, SAMPLE_EVERY_MS);

    const deadline = t0 + seconds * 1000;
    let sequence = 0;
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const id = sequence++;
        const { payload, zeroCopy } = KINDS[id % KINDS.length] as (typeof KINDS)[number];
        const value = zeroCopy
          ? await takeThenRelease(callBenchTarget<Lease<unknown>>(leased, payload, id))
          : await callBenchTarget<unknown>(plain, payload, id);
        checkResult(payload, id, value);
        // While this call's lease is still held (the samples above fall between leases).
        if (id % PEAK_EVERY === 0) peak = Math.max(peak, arenaOf(started).bytesInUse);
        const kind = zeroCopy ? `${payload} zero-copy` : payload;
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
    clearInterval(timer);
    const duration = (performance.now() - t0) / 1000;
    // The trend is taken under load only: the sample after the last answer is the end figure.
    const floor = rssFloor(samples, duration / 2, duration);
    sample();
    // The last leases are released on the macrotask after their call: let those run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const arena = arenaOf(started);

    const rssSlope = slope(
      floor.map((s) => s.t_s / 60),
      floor.map((s) => s.rss_bytes / MIB),
    );
    return {
      duration_s: duration,
      window,
      calls: Object.values(counts).reduce((sum, n) => sum + n, 0),
      calls_by_kind: counts,
      arena_capacity_bytes: arena.capacity,
      arena_peak_bytes: peak,
      arena_bytes_after_drain: arena.bytesInUse,
      rss_start_bytes: (samples[0] as SoakSample).rss_bytes,
      rss_middle_bytes: sampleAt(samples, duration / 2).rss_bytes,
      rss_end_bytes: (samples[samples.length - 1] as SoakSample).rss_bytes,
      rss_slope_mib_per_min: rssSlope,
      samples,
    };
  } finally {
    clearInterval(timer);
    await host?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
