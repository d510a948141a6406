import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_LOG_LIMITS,
  createLogSink,
  createTokenBucket,
  cutLine,
} from '../../../src/transport/log-sink.js';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let at = 1_000;
  return { now: () => at, advance: (ms) => (at += ms) };
}

/** How many times in a row `take` succeeds. */
function drain(bucket: { take(): boolean }): number {
  let taken = 0;
  while (bucket.take()) taken += 1;
  return taken;
}

describe('the token bucket', () => {
  it("starts with a second's worth of tokens, then refuses", () => {
    const clock = manualClock();
    const bucket = createTokenBucket(10, clock.now);
    expect(drain(bucket)).toBe(10);
    expect(bucket.take()).toBe(false);
  });

  it('refills at its rate, counting fractions of a token', () => {
    const clock = manualClock();
    const bucket = createTokenBucket(10, clock.now);
    drain(bucket);
    clock.advance(50);
    expect(bucket.take()).toBe(false);
    clock.advance(50);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    clock.advance(350);
    expect(drain(bucket)).toBe(3);
  });

  it("holds at most a second's worth, however long it was left alone", () => {
    const clock = manualClock();
    const bucket = createTokenBucket(10, clock.now);
    drain(bucket);
    clock.advance(60_000);
    expect(drain(bucket)).toBe(10);
  });
});

describe('cutting a long log line', () => {
  it('leaves a line of up to the limit as it is', () => {
    const line = '{"level":30,"msg":"hello"}\n';
    expect(cutLine(line, line.length)).toBe(line);
  });

  it.each([10, 20, 30, 40, 50, 60, 100])(
    'says a longer line was cut, at the level of the original (%i), with its start',
    (level) => {
      const line = `{"level":${level},"msg":"${'x'.repeat(500)}"}\n`;
      const cut = cutLine(line, 64);
      expect(cut.endsWith('\n')).toBe(true);
      const record = JSON.parse(cut) as { level: number; msg: string; cut: string };
      expect(record.level).toBe(level);
      expect(record.cut).toBe(line.slice(0, 64));
      expect(record.msg).toContain(String(line.length));
    },
  );

  it.each([
    ['a line that is not pino JSON', 'plain text '.repeat(20)],
    ['a level that is a string', `{"level":"info","msg":"${'x'.repeat(200)}"}`],
    ['a level that is not first', `{"msg":"${'x'.repeat(200)}","level":30}`],
    ['a level of four digits', `{"level":1000,"msg":"${'x'.repeat(200)}"}`],
  ])('cuts %s at warn level', (_, line) => {
    expect((JSON.parse(cutLine(line, 32)) as { level: number }).level).toBe(40);
  });
});

describe('the log sink of a worker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A sink whose posts are recorded; the clock and setImmediate are fake. */
  function recordedSink(limits = DEFAULT_LOG_LIMITS): {
    sink: ReturnType<typeof createLogSink>;
    posts: { lines: string[]; dropped: number }[];
  } {
    vi.useFakeTimers({ toFake: ['setImmediate', 'performance'] });
    const posts: { lines: string[]; dropped: number }[] = [];
    const sink = createLogSink(limits, (lines, dropped) => posts.push({ lines, dropped }));
    return { sink, posts };
  }

  it('posts the lines of one turn as one batch, in order, on the next turn', () => {
    const { sink, posts } = recordedSink();
    sink.write('a\n');
    sink.write('b\n');
    expect(posts).toEqual([]);
    vi.advanceTimersToNextTimer();
    expect(posts).toEqual([{ lines: ['a\n', 'b\n'], dropped: 0 }]);
    vi.runAllTimers();
    expect(posts).toHaveLength(1);
  });

  it('posts a batch at once when it reaches 256 lines', () => {
    const { sink, posts } = recordedSink();
    for (let i = 0; i < 300; i += 1) sink.write(`${i}\n`);
    expect(posts.map((p) => p.lines.length)).toEqual([256]);
    vi.runAllTimers();
    expect(posts.map((p) => p.lines.length)).toEqual([256, 44]);
    expect(posts.flatMap((p) => p.lines)).toEqual(Array.from({ length: 300 }, (_, i) => `${i}\n`));
  });

  it('posts a flood of 1,000,000 lines as a bounded number of lines and batches, and counts the rest as dropped', () => {
    const { sink, posts } = recordedSink();
    const line = '{"level":30,"msg":"again"}\n';
    for (let i = 0; i < 1_000_000; i += 1) sink.write(line);
    vi.runAllTimers();
    const lines = posts.reduce((sum, p) => sum + p.lines.length, 0);
    const dropped = posts.reduce((sum, p) => sum + p.dropped, 0);
    expect(lines).toBe(DEFAULT_LOG_LIMITS.linesPerSecond);
    expect(posts.length).toBeLessThanOrEqual(Math.ceil(lines / 256) + 1);
    expect(lines + dropped).toBe(1_000_000);
  });

  it('takes lines again once its budget has refilled, and posts drops alone', () => {
    const { sink, posts } = recordedSink({ linesPerSecond: 10, maxLineChars: 100 });
    for (let i = 0; i < 15; i += 1) sink.write('x\n');
    vi.runAllTimers();
    expect(posts).toEqual([{ lines: Array<string>(10).fill('x\n'), dropped: 5 }]);
    sink.write('y\n');
    vi.runAllTimers();
    expect(posts[1]).toEqual({ lines: [], dropped: 1 });
    vi.advanceTimersByTime(500);
    for (let i = 0; i < 10; i += 1) sink.write('z\n');
    vi.runAllTimers();
    expect(posts[2]).toEqual({ lines: Array<string>(5).fill('z\n'), dropped: 5 });
  });

  it('cuts a line over the limit, keeping its level', () => {
    const { sink, posts } = recordedSink({ linesPerSecond: 10, maxLineChars: 40 });
    sink.write(`{"level":50,"msg":"${'e'.repeat(100)}"}\n`);
    vi.runAllTimers();
    const [line] = posts[0]?.lines ?? [];
    expect(JSON.parse(line as string)).toMatchObject({ level: 50 });
  });
});
