import { describe, expect, it } from 'vitest';
import type { BenchResults, ResultRow, SoakResult } from '../../../bench/results.js';
import { slope } from '../../../bench/stats.js';
import { evaluateTargets, RSS_SLOPE_LIMIT_MIB_PER_MIN } from '../../../bench/targets.js';

type Cell = [
  transport: string,
  payload: string,
  p50: number,
  p99: number,
  rate: number,
  more?: Partial<ResultRow>,
];

function row([transport, payload, p50, p99, rate, more]: Cell): ResultRow {
  return {
    scenario: 'transport',
    transport,
    payload,
    p50_us: p50,
    p99_us: p99,
    calls_per_s: rate,
    samples: 100,
    p50_noise: 0,
    calls_per_s_noise: 0,
    ...more,
  };
}

function run(cells: Cell[], soak?: Partial<SoakResult>): BenchResults {
  const meta = { quick: false } as BenchResults['meta'];
  const results = cells.map(row);
  if (soak === undefined) return { meta, results };
  const full: SoakResult = {
    duration_s: 120,
    window: 64,
    calls: 1_000,
    calls_by_kind: {},
    arena_capacity_bytes: 16 << 20,
    arena_peak_bytes: 0,
    arena_bytes_after_drain: 0,
    rss_start_bytes: 0,
    rss_middle_bytes: 0,
    rss_end_bytes: 0,
    rss_slope_mib_per_min: 0,
    samples: [],
    ...soak,
  };
  return { meta, results, soak: full };
}

/** Figures that meet every speed target, most of them by a small margin. */
const MEETING: Cell[] = [
  ['berth thread', 'tiny', 10, 30, 300_000, { cpu_us: 8, cpu_us_pipelined: 3 }],
  ['berth thread', 'tiny', 20, 100, 100_000, { scenario: 'contended' }],
  ['berth thread', 'records', 2_000, 3_000, 400],
  ['berth thread zero-copy', 'bodies', 200, 300, 5_000],
  ['berth thread zero-copy', 'binary', 100, 200, 8_000],
  ['comlink', 'tiny', 20, 200, 30_000],
  ['comlink', 'records', 4_000, 6_000, 200],
  ['comlink', 'bodies', 4_000, 6_000, 200],
  ['comlink', 'binary', 300, 600, 2_000],
  ['piscina', 'tiny', 20, 100, 30_000],
  ['piscina', 'binary', 400, 800, 2_000],
  ['postMessage', 'tiny', 20, 60, 120_000, { cpu_us: 8, cpu_us_pipelined: 3 }],
  ['postMessage', 'tiny', 20, 100, 100_000, { scenario: 'contended' }],
  ['postMessage', 'binary', 300, 600, 2_000],
  ['postMessage', 'records', 5_000, 7_000, 180],
  ['berth process', 'tiny', 40, 90, 50_000],
  ['berth process', 'records', 3_000, 5_000, 300],
  ['child process IPC', 'tiny', 40, 100, 25_000],
  ['child process IPC', 'records', 6_000, 9_000, 150],
];

/** `cell` with its extra figures replaced by `more`. */
const withMore = ([transport, payload, p50, p99, rate]: Cell, more: Partial<ResultRow>): Cell => [
  transport,
  payload,
  p50,
  p99,
  rate,
  more,
];

/** A recovery row of `transport`, p50 in ms. */
function recovery(transport: string, p50Ms: number): ResultRow {
  return {
    ...row([transport, 'crash to next answer', p50Ms * 1000, p50Ms * 2000, 0]),
    scenario: 'recovery',
    calls_per_s: null,
  };
}

/** A run of `cells` with the process recovery of `p50Ms` and, unless told, a soak. */
function withRecovery(
  cells: Cell[],
  p50Ms: number,
  soak: Partial<SoakResult> | undefined = {},
): BenchResults {
  const results = run(cells, soak);
  results.results.push(recovery('berth thread', 5), recovery('berth process', p50Ms));
  return results;
}

const verdicts = (results: BenchResults): string[] =>
  evaluateTargets(results).map((c) => c.verdict);

describe('the issue targets', () => {
  it('meets every target when every ratio reaches its bound, bounds included', () => {
    const checks = evaluateTargets(withRecovery(MEETING, 300));
    expect(checks.map((c) => c.verdict)).toEqual(checks.map(() => 'met'));
    const find = (comparison: string) => checks.find((c) => c.comparison === comparison)?.value;
    expect(find('comlink records p50 ÷ berth thread records p50')).toBe(2);
    // The raw bodies are compared with comlink carrying the same bytes, not its records.
    expect(find('comlink bodies p50 ÷ berth thread zero-copy bodies p50')).toBe(20);
    expect(find('berth thread tiny p50 ÷ postMessage tiny p50')).toBe(0.5);
    expect(
      find('berth thread tiny CPU µs/call pipelined ÷ postMessage tiny CPU µs/call pipelined'),
    ).toBe(1);
    expect(find('berth thread tiny contended p99 ÷ postMessage tiny contended p99')).toBe(1);
    expect(find('piscina binary p50 ÷ berth thread zero-copy binary p50')).toBe(4);
    expect(find('berth thread tiny p50 ÷ comlink tiny p50')).toBe(0.5);
    expect(find('berth thread tiny p99 ÷ piscina tiny p99')).toBe(0.3);
    expect(find('berth thread tiny calls/s ÷ postMessage tiny calls/s')).toBe(2.5);
    expect(find('berth process tiny p50 ÷ child process IPC tiny p50')).toBe(1);
    expect(find('berth process records p50 ÷ child process IPC records p50')).toBe(0.5);
    expect(find('berth process crash to next answer p50')).toBe(300);
  });

  it('judges process isolation against child-process IPC, and its recovery in ms', () => {
    const slower = MEETING.map((cell): Cell =>
      cell[0] === 'berth process' && cell[1] === 'tiny'
        ? ['berth process', 'tiny', 41, 90, 1]
        : cell,
    );
    const missed = evaluateTargets(withRecovery(slower, 301)).filter((c) => c.verdict === 'missed');
    expect(missed.map((c) => c.comparison)).toEqual([
      'berth process tiny p50 ÷ child process IPC tiny p50',
      'berth process crash to next answer p50',
    ]);
    // Only the thread's recovery was measured: the process's is not.
    const threadOnly = run(MEETING, {});
    threadOnly.results.push(recovery('berth thread', 5));
    const check = evaluateTargets(threadOnly).find((c) => c.unit === 'ms');
    expect(check?.verdict).toBe('not measured');
  });

  it('misses a target by the comparison that falls short, and only that one', () => {
    const faster = MEETING.map((cell): Cell =>
      cell[0] === 'comlink' && cell[1] === 'tiny' ? ['comlink', 'tiny', 19, 200, 30_000] : cell,
    );
    const missed = evaluateTargets(withRecovery(faster, 100)).filter((c) => c.verdict === 'missed');
    expect(missed.map((c) => c.comparison)).toEqual(['berth thread tiny p50 ÷ comlink tiny p50']);
  });

  it('reports cells that were not measured, or are pending, as not measured', () => {
    const withoutPiscina = MEETING.filter((cell) => cell[0] !== 'piscina');
    const pending = withRecovery(withoutPiscina, 100);
    pending.results.push({ ...row(['piscina', 'tiny', 0, 0, 0]), pending: 'not yet' });
    const checks = evaluateTargets(pending);
    const unmeasured = checks.filter((c) => c.verdict === 'not measured');
    expect(unmeasured).toHaveLength(5);
    expect(unmeasured).toEqual(checks.filter((c) => c.comparison.includes('piscina')));
    expect(unmeasured.every((c) => c.value === null)).toBe(true);
  });

  it('judges memory by the soak: not measured without one, missed when short, leaking or growing', () => {
    expect(verdicts(run(MEETING)).slice(-3)).toEqual([
      'not measured',
      'not measured',
      'not measured',
    ]);
    expect(verdicts(run(MEETING, { duration_s: 5 })).slice(-3)).toEqual(['missed', 'met', 'met']);
    expect(verdicts(run(MEETING, { arena_bytes_after_drain: 64 })).slice(-3)).toEqual([
      'met',
      'missed',
      'met',
    ]);
    const growing = { rss_slope_mib_per_min: RSS_SLOPE_LIMIT_MIB_PER_MIN * 1.5 };
    expect(verdicts(run(MEETING, growing)).slice(-3)).toEqual(['met', 'met', 'missed']);
  });
});

describe('the real-conditions targets', () => {
  it('judge CPU per call and the contended cells, and miss when Berth is worse under load', () => {
    const costly = MEETING.map((cell): Cell =>
      cell[0] === 'berth thread' && cell[1] === 'tiny' && cell[5]?.scenario === undefined
        ? withMore(cell, { cpu_us: 9, cpu_us_pipelined: 3 })
        : cell[0] === 'berth thread' && cell[5]?.scenario === 'contended'
          ? ['berth thread', 'tiny', 20, 101, 99_000, { scenario: 'contended' }]
          : cell,
    );
    const missed = evaluateTargets(withRecovery(costly, 100)).filter((c) => c.verdict === 'missed');
    expect(missed.map((c) => c.comparison)).toEqual([
      'berth thread tiny CPU µs/call ÷ postMessage tiny CPU µs/call',
      'berth thread tiny contended p99 ÷ postMessage tiny contended p99',
      'berth thread tiny contended calls/s ÷ postMessage tiny contended calls/s',
    ]);
  });

  it('say not measured when a run had no contended cells or no CPU figures', () => {
    const quiet = MEETING.filter((cell) => cell[5]?.scenario !== 'contended').map((cell): Cell =>
      withMore(cell, { cpu_us: null }),
    );
    const unmeasured = evaluateTargets(withRecovery(quiet, 100)).filter(
      (c) => c.verdict === 'not measured',
    );
    expect(unmeasured.map((c) => c.comparison)).toEqual([
      'berth thread tiny CPU µs/call ÷ postMessage tiny CPU µs/call',
      'berth thread tiny CPU µs/call pipelined ÷ postMessage tiny CPU µs/call pipelined',
      'berth thread tiny contended p50 ÷ postMessage tiny contended p50',
      'berth thread tiny contended p99 ÷ postMessage tiny contended p99',
      'berth thread tiny contended calls/s ÷ postMessage tiny contended calls/s',
    ]);
  });
});

describe('the least-squares slope', () => {
  it('recovers the slope of a line, and a small one from points that only wobble', () => {
    const xs = [0, 1, 2, 3, 4, 5];
    expect(slope(xs, [3, 5, 7, 9, 11, 13])).toBeCloseTo(2, 12);
    expect(slope(xs, [10, 12, 10, 12, 10, 12])).toBeCloseTo(3 / 17.5, 12);
  });

  it('is NaN when there is no line to fit', () => {
    expect(slope([1], [1])).toBeNaN();
    expect(slope([2, 2, 2], [1, 2, 3])).toBeNaN();
  });
});
