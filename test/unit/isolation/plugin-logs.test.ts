import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPluginLogs } from '../../../src/isolation/plugin-logs.js';

/** How often drops are reported (plugin-logs.ts). */
const REPORT_EVERY_MS = 10_000;

/** A host logger whose records are kept, parsed. */
function capture(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'trace' },
    { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

const line = (msg: string): string => `{"level":30,"msg":"${msg}"}\n`;
const warnings = (records: Record<string, unknown>[]): Record<string, unknown>[] =>
  records.filter((r) => r['level'] === 40);

describe("the host's intake of one plugin's logs", () => {
  beforeEach(() => {
    // The host's budget runs on performance.now; the report on a timer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("re-emits each line through the host's logger, as the plugin's", () => {
    const { logger, records } = capture();
    const logs = createPluginLogs('blobs', logger, { linesPerSecond: 10, maxLineChars: 1_000 });
    logs.take([line('one'), '{"level":50,"msg":"two","plugin":"other"}'], 0);
    expect(records).toEqual([
      expect.objectContaining({ level: 30, msg: 'one', plugin: 'blobs' }),
      expect.objectContaining({ level: 50, msg: 'two', plugin: 'blobs' }),
    ]);
    expect(logs.dropped).toBe(0);
  });

  it('holds a worker to twice its own budget, and counts what it refuses', () => {
    const { logger, records } = capture();
    const logs = createPluginLogs('p', logger, { linesPerSecond: 10, maxLineChars: 1_000 });
    logs.take(
      Array.from({ length: 30 }, (_, i) => line(`${i}`)),
      0,
    );
    expect(records).toHaveLength(20);
    expect(logs.dropped).toBe(10);
    vi.advanceTimersByTime(500);
    logs.take(
      Array.from({ length: 30 }, (_, i) => line(`${i}`)),
      0,
    );
    expect(records).toHaveLength(30);
    expect(logs.dropped).toBe(30);
  });

  it('counts the lines the worker says it dropped with those the host refused', () => {
    const { logger } = capture();
    const logs = createPluginLogs('p', logger, { linesPerSecond: 10, maxLineChars: 1_000 });
    logs.take([], 7);
    logs.take([line('x')], 3);
    expect(logs.dropped).toBe(10);
  });

  it('cuts a line over the limit before it is forwarded, keeping its level', () => {
    const { logger, records } = capture();
    const logs = createPluginLogs('p', logger, { linesPerSecond: 10, maxLineChars: 64 });
    logs.take([`{"level":50,"msg":"${'x'.repeat(10_000)}"}\n`], 0);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 50, plugin: 'p' });
    expect(JSON.stringify(records[0]).length).toBeLessThan(1_000);
  });

  it('reports drops once per interval, with their count, not once per line', () => {
    const { logger, records } = capture();
    const limits = { linesPerSecond: 10, maxLineChars: 1_000 };
    const logs = createPluginLogs('p', logger, limits);
    logs.take([], 5);
    vi.advanceTimersByTime(REPORT_EVERY_MS / 2);
    logs.take([], 4);
    expect(warnings(records)).toEqual([]);
    vi.advanceTimersByTime(REPORT_EVERY_MS / 2);
    expect(warnings(records)).toEqual([
      expect.objectContaining({ plugin: 'p', dropped: 9, limits }),
    ]);
    // Nothing more to report: no more warnings, and no timer left running.
    vi.advanceTimersByTime(REPORT_EVERY_MS * 3);
    expect(warnings(records)).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    // Drops after a report start a new interval.
    logs.take([], 2);
    vi.advanceTimersByTime(REPORT_EVERY_MS);
    expect(warnings(records).map((r) => r['dropped'])).toEqual([9, 2]);
    expect(logs.dropped).toBe(11);
  });

  it('reports what is unreported at once on flush, and stops its timer', () => {
    const { logger, records } = capture();
    const logs = createPluginLogs('p', logger, { linesPerSecond: 10, maxLineChars: 1_000 });
    logs.flush();
    expect(records).toEqual([]);
    logs.take([], 3);
    expect(vi.getTimerCount()).toBe(1);
    logs.flush();
    expect(warnings(records)).toEqual([expect.objectContaining({ dropped: 3 })]);
    expect(vi.getTimerCount()).toBe(0);
    logs.flush();
    expect(warnings(records)).toHaveLength(1);
  });
});
