import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPluginLogs } from '../../../src/isolation/plugin-logs.js';

const LIMITS = { linesPerSecond: 100, maxLineChars: 1_000 };
const line = (n: number): string => `{"level":30,"msg":"line ${n}"}`;

/** A plugin's intake over a logger whose records are kept, parsed. */
function makeLogs() {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (text: string) => records.push(JSON.parse(text) as Record<string, unknown>) },
  );
  const logs = createPluginLogs('flooder', logger, LIMITS);
  const lines = () =>
    records.filter((r) => typeof r['msg'] === 'string' && r['msg'].startsWith('line '));
  const reports = () => records.filter((r) => r['level'] === 40 && 'dropped' in r);
  return { logs, lines, reports };
}

describe("the host's log intake of a plugin", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forwards up to twice the plugin budget (the slack for an honest worker) and drops the rest', () => {
    const { logs, lines } = makeLogs();
    logs.take(
      Array.from({ length: 1_000 }, (_, n) => line(n)),
      0,
    );
    expect(lines()).toHaveLength(2 * LIMITS.linesPerSecond);
    expect(logs.dropped).toBe(1_000 - 2 * LIMITS.linesPerSecond);
  });

  it('counts what the worker dropped with what it drops itself', () => {
    const { logs } = makeLogs();
    logs.take([line(1)], 5_000);
    expect(logs.dropped).toBe(5_000);
  });

  it('reports the drops in one warning 10 s after the first, then again only after new drops', () => {
    const { logs, reports } = makeLogs();
    logs.take([], 300);
    vi.advanceTimersByTime(5_000);
    logs.take([], 200);
    expect(reports()).toEqual([]);
    vi.advanceTimersByTime(5_000);
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toMatchObject({ plugin: 'flooder', dropped: 500, limits: LIMITS });
    vi.advanceTimersByTime(60_000);
    expect(reports()).toHaveLength(1);
    logs.take([], 7);
    vi.advanceTimersByTime(10_000);
    expect(reports().map((r) => r['dropped'])).toEqual([500, 7]);
    expect(logs.dropped).toBe(507);
  });

  it('reports what is unreported at once on flush, and nothing when nothing was dropped', () => {
    const { logs, reports } = makeLogs();
    logs.flush();
    expect(reports()).toEqual([]);
    logs.take([], 42);
    logs.flush();
    expect(reports().map((r) => r['dropped'])).toEqual([42]);
    vi.advanceTimersByTime(20_000);
    expect(reports()).toHaveLength(1);
  });
});
