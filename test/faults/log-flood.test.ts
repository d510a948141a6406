/**
 * A plugin that floods its log (issue finding 9: a million ctx.log lines stalled the host's
 * event loop for seconds and grew its RSS by 500-650 MB). The worker's sink and the host's
 * intake hold each plugin to `logLimits`: the host's loop keeps turning, its memory stays
 * put, the neighbour keeps answering, and what was dropped is counted, in PluginInfo and in
 * the service's metric, and reported in one warning rather than a line per drop.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import { createServiceMetrics } from '../../src/service/metrics.js';
import type { LogFlood } from '../fixtures/plugins/fault-log-flood/index.js';
import { timed, useFaultHosts, type FaultHost } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const FLOOD_LINES = 1_000_000;
/** Lines per turn of the plugin's event loop: a turn takes some 10-30 ms here. */
const CHUNK = 10_000;
const MB = 1024 * 1024;

/** What the host's logger wrote, parsed. */
interface CapturedLog {
  logger: Logger;
  /** Lines of the flood that reached the host's log. */
  forwarded(): number;
  /** The host's warnings that lines of `plugin` were dropped. */
  dropReports(plugin: string): Record<string, unknown>[];
  /** Records `plugin` itself logged (they carry its `service`), but the flood's lines. */
  others(plugin: string): Record<string, unknown>[];
}

/** A logger at `info` whose records are kept, parsed, for the test to read. */
function captureLog(): CapturedLog {
  let forwarded = 0;
  const kept: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const record = JSON.parse(line) as Record<string, unknown>;
        // Counted, not kept: a million kept records would be the test's own RSS growth.
        if (record['msg'] === 'flooding the log') forwarded += 1;
        else kept.push(record);
      },
    },
  );
  const isDropReport = (r: Record<string, unknown>): boolean =>
    r['level'] === 40 && typeof r['dropped'] === 'number';
  return {
    logger,
    forwarded: () => forwarded,
    dropReports: (plugin) => kept.filter((r) => r['plugin'] === plugin && isDropReport(r)),
    // A cut line keeps only its level: 'cut' marks it (transport/log-sink.ts cutLine).
    others: (plugin) =>
      kept.filter((r) => r['plugin'] === plugin && ('service' in r || 'cut' in r)),
  };
}

/** `global.gc` when this process runs with --expose-gc; vitest's workers do not by default. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

const droppedOf = (fault: FaultHost, plugin: string): number =>
  fault.host.plugins().find((p) => p.name === plugin)?.logLinesDropped ?? Number.NaN;

describe.each([
  { mode: 'thread', plugin: 'fault-log-flood', options: {} },
  { mode: 'pool', plugin: 'pool-log-flood', options: {} },
  { mode: 'process', plugin: 'fault-log-flood', options: { isolation: 'process' } },
] as const)('a plugin that logs a million lines ($mode)', ({ mode, plugin, options }) => {
  const start = useFaultHosts(options);

  it(
    'keeps the host loop lag under 100 ms and its RSS within 100 MB, the neighbour answering, every line forwarded or counted as dropped and the drops reported once',
    { timeout: 60_000 },
    async () => {
      const log = captureLog();
      // A flood runs for seconds: a tighter hang deadline would not change what is tested.
      const fault = await start([plugin], { logger: log.logger, hangTimeoutMs: 5_000 });
      const flood = fault.host.service<LogFlood>('flood');
      const since = performance.now();
      // Warm-up: the plugin's logger, the host's intake and the neighbour's path all run once.
      const warmUp = await flood.flood(5_000, 1_000);
      expect(await fault.echo()).toBe('neighbour unharmed');
      collectGarbage();
      const rssBefore = process.memoryUsage().rss;

      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      let flooding = true;
      let neighbourCalls = 0;
      let neighbourMaxMs = 0;
      const neighbour = (async () => {
        while (flooding) {
          const began = performance.now();
          expect(await fault.echo()).toBe('neighbour unharmed');
          neighbourMaxMs = Math.max(neighbourMaxMs, performance.now() - began);
          neighbourCalls += 1;
        }
      })();
      const began = performance.now();
      const written = await flood.flood(FLOOD_LINES, CHUNK);
      const floodMs = performance.now() - began;
      flooding = false;
      await neighbour;
      lag.disable();
      collectGarbage();
      const rssAfter = process.memoryUsage().rss;

      const p99Ms = lag.percentile(99) / 1e6;
      const maxMs = lag.max / 1e6;
      const figures =
        `${mode}: flood ${floodMs.toFixed(0)} ms; lag p99 ${p99Ms.toFixed(1)} ms, max ${maxMs.toFixed(1)} ms; ` +
        `RSS ${(rssBefore / MB).toFixed(0)} -> ${(rssAfter / MB).toFixed(0)} MB; ` +
        `neighbour ${neighbourCalls} calls, slowest ${neighbourMaxMs.toFixed(1)} ms`;

      expect(written).toBe(FLOOD_LINES);
      expect(p99Ms, figures).toBeLessThan(100);
      // The longest stall is reported, and bounded loosely: on 2 shared cores the OS alone
      // now and then holds the host's thread back for 100 ms or more (seen once in 10 runs).
      // Before the fix, a flood stalled the loop for 1.3-5 s.
      expect(maxMs, figures).toBeLessThan(250);
      expect((rssAfter - rssBefore) / MB, figures).toBeLessThan(100);
      // The neighbour answered all along: a call at least every 100 ms of the flood, none slow.
      expect(neighbourCalls, figures).toBeGreaterThan(floodMs / 100);
      expect(neighbourMaxMs, figures).toBeLessThan(1_000);

      // What the flood grew is the plugin's thread sizing its young generation, once: a
      // second flood grows nothing more (before the fix, RSS grew with every flood).
      const again = await flood.flood(FLOOD_LINES, CHUNK);
      collectGarbage();
      const rssAgain = process.memoryUsage().rss;
      const more = `${figures}; RSS after a second flood ${(rssAgain / MB).toFixed(0)} MB`;
      expect((rssAgain - rssAfter) / MB, more).toBeLessThan(20);

      // Every line is accounted for: forwarded to the host's log, or counted as dropped. The
      // last batch may still be on its way when the call's answer arrives.
      const total = warmUp + written + again;
      await expect.poll(() => log.forwarded() + droppedOf(fault, plugin)).toBe(total);
      const dropped = droppedOf(fault, plugin);
      const elapsedMs = performance.now() - since;
      // The default budget: 1,000 lines a second, as many again in a burst. Each pool thread
      // has a sink of its own, so a pool is held by the host's intake: twice that.
      const budget = (mode === 'pool' ? 2 : 1) * (1_000 + elapsedMs);
      const counts = `${more}; ${log.forwarded()} lines forwarded, ${dropped} dropped in ${elapsedMs.toFixed(0)} ms`;
      console.info(counts);
      expect(log.forwarded(), counts).toBeLessThanOrEqual(budget);
      expect(dropped, counts).toBeGreaterThanOrEqual(total - budget);
      expect(log.others(plugin)).toEqual([]);

      // Drops are reported at most once per 10 s (none may be due yet), and at the latest
      // when the plugin stops: one warning with the count, not a line per drop.
      const reportsDuring = log.dropReports(plugin).length;
      expect(reportsDuring).toBeLessThanOrEqual(Math.ceil(elapsedMs / 10_000));
      await fault.host.close();
      const reports = log.dropReports(plugin);
      expect(reports.length).toBeGreaterThanOrEqual(1);
      expect(reports.length).toBeLessThanOrEqual(reportsDuring + 1);
      expect(reports.reduce((sum, r) => sum + (r['dropped'] as number), 0)).toBe(dropped);
      expect(reports[0]).toMatchObject({
        plugin,
        limits: { linesPerSecond: 1_000, maxLineChars: 16_384 },
      });
    },
  );

  it('logs a line per turn of its loop, far over the rate: not taken for a flooding worker, every line forwarded or counted', async () => {
    const log = captureLog();
    const fault = await start([plugin], { logger: log.logger });
    const flood = fault.host.service<LogFlood>('flood');
    // One line per turn: an honest sink that posted every turn would send thousands of
    // messages a second, which the thread runtime ends as BERTH_ERR_PROTOCOL.
    expect(await flood.flood(50_000, 1)).toBe(50_000);
    await expect.poll(() => log.forwarded() + droppedOf(fault, plugin)).toBe(50_000);
    expect(droppedOf(fault, plugin)).toBeGreaterThan(0);
    expect(fault.events.filter((e) => e.payload.plugin === plugin).map((e) => e.event)).toEqual([
      'plugin:started',
    ]);
    expect(fault.host.plugins().find((p) => p.name === plugin)).toMatchObject({
      state: 'running',
      restarts: 0,
    });
    expect(await flood.ping()).toBeTypeOf('number');
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  // Past its sink, a worker thread can post LOGS messages of its own; a process plugin has
  // no parentPort to post them on, and what it writes past its sink goes to its stdout,
  // which the host reads as log lines held to the same intake. Each mode gets its own test.
  if (mode !== 'process')
    it('posts LOGS messages itself, past its sink: ended as BERTH_ERR_PROTOCOL, the host loop never stalled for long, the neighbour answering', async () => {
      const fault = await start([plugin]);
      const flood = fault.host.service<LogFlood>('flood');
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const { value: error, ms } = await timed(() => rejection(flood.forge(FLOOD_LINES, CHUNK)));
      expect(error).toMatchObject({ code: codes.PROTOCOL, plugin });
      expect(await fault.waitFor('plugin:crashed', plugin)).toMatchObject({ code: codes.PROTOCOL });
      await fault.waitFor('plugin:restarted', plugin);
      expect(await flood.ping()).toBeTypeOf('number');
      // Measured to here: the messages already posted are still handled after the end.
      lag.disable();
      const figures = `${mode}: ended after ${ms.toFixed(0)} ms; lag p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`;
      console.info(figures);
      // Unbounded, a pool took 8.5 s to post them all and stalled the host's loop for 4.2 s.
      expect(ms, figures).toBeLessThan(2_000);
      expect(lag.max / 1e6, figures).toBeLessThan(1_000);
      expect(await fault.echo()).toBe('neighbour unharmed');
    });

  if (mode === 'process')
    it('writes a flood to its stdout, past its sink: each line a log line held to the same limits, the neighbour answering', async () => {
      const log = captureLog();
      const fault = await start([plugin], { logger: log.logger });
      const flood = fault.host.service<LogFlood>('flood');
      const lines = FLOOD_LINES / 5;
      const since = performance.now();
      expect(await flood.print(lines, CHUNK)).toBe(lines);
      expect(await fault.echo()).toBe('neighbour unharmed');
      await expect.poll(() => log.forwarded() + droppedOf(fault, plugin)).toBe(lines);
      // Only the host's intake holds these lines (no sink in the plugin): twice the default
      // budget of 1,000 lines a second and as many in a burst, as for a pool.
      expect(log.forwarded()).toBeLessThanOrEqual(2 * (1_000 + (performance.now() - since)));
      expect(droppedOf(fault, plugin)).toBeGreaterThan(lines / 2);
      expect(fault.host.plugins().find((p) => p.name === plugin)).toMatchObject({
        state: 'running',
        restarts: 0,
      });
    });

  it('cuts a line longer than maxLineChars to that length, at its level, saying so', async () => {
    const log = captureLog();
    const fault = await start([plugin], { logger: log.logger });
    await fault.host.service<LogFlood>('flood').long(100_000);
    await expect.poll(() => log.others(plugin).length).toBe(1);
    const [record] = log.others(plugin);
    expect(record).toMatchObject({
      level: 30,
      plugin,
      msg: expect.stringMatching(/^a log line of \d+ characters was cut to 16384$/) as string,
    });
    expect(record?.['cut']).toHaveLength(16_384);
    expect(droppedOf(fault, plugin)).toBe(0);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});

describe('the metric of dropped log lines', () => {
  const start = useFaultHosts();

  it('berth_plugin_log_dropped_total shows the lines each plugin had dropped', async () => {
    const log = captureLog();
    const fault = await start(['fault-log-flood'], {
      logger: log.logger,
      logLimits: { linesPerSecond: 100 },
    });
    const metrics = createServiceMetrics(fault.host);
    const flood = fault.host.service<LogFlood>('flood');
    // 100 lines a second, as many in a burst: at least 4,800 of 5,000 are dropped.
    await flood.flood(5_000, 1_000);
    await expect.poll(() => log.forwarded() + droppedOf(fault, 'fault-log-flood')).toBe(5_000);
    const dropped = droppedOf(fault, 'fault-log-flood');
    expect(dropped).toBeGreaterThanOrEqual(4_800);

    const text = await metrics.registry.metrics();
    expect(text).toContain(`berth_plugin_log_dropped_total{plugin="fault-log-flood"} ${dropped}`);
    expect(text).toContain('berth_plugin_log_dropped_total{plugin="echo"} 0');
    // Read at every scrape, never counted twice.
    expect(await metrics.registry.metrics()).toContain(
      `berth_plugin_log_dropped_total{plugin="fault-log-flood"} ${dropped}`,
    );
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});
