import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLogSink,
  createTokenBucket,
  cutLine,
  MIN_BATCH_INTERVAL_MS,
} from '../../../src/transport/log-sink.js';

const line = (n: number): string => `{"level":30,"n":${n}}\n`;

/** A sink on fake timers, its clock Date.now (faked too), and what it posted. */
function makeSink(linesPerSecond = 1_000) {
  const posts: { lines: string[]; dropped: number }[] = [];
  const sink = createLogSink(
    { linesPerSecond, maxLineChars: 100 },
    (lines, dropped) => posts.push({ lines, dropped }),
    () => Date.now(),
  );
  const total = () => ({
    lines: posts.reduce((sum, p) => sum + p.lines.length, 0),
    dropped: posts.reduce((sum, p) => sum + p.dropped, 0),
  });
  return { sink, posts, total };
}

describe('the worker log sink', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('posts a lone line at the end of the turn that wrote it', () => {
    const { sink, posts } = makeSink();
    sink.write(line(1));
    expect(posts).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(posts).toEqual([{ lines: [line(1)], dropped: 0 }]);
  });

  it('lets a second of lines through in a burst and counts the rest as dropped, in a few batches', () => {
    const { sink, posts, total } = makeSink();
    for (let n = 0; n < 100_000; n++) sink.write(line(n));
    vi.advanceTimersByTime(0);
    expect(total()).toEqual({ lines: 1_000, dropped: 99_000 });
    // Full batches of 256 lines, then the rest with the count.
    expect(posts.length).toBeLessThanOrEqual(5);
  });

  it('posts at most one batch per MIN_BATCH_INTERVAL_MS when a plugin logs a line every turn', () => {
    const { sink, posts, total } = makeSink();
    // 10,000 turns of 0.1 ms: one line each, far over the rate.
    for (let turn = 0; turn < 10_000; turn++) {
      sink.write(line(turn));
      vi.advanceTimersByTime(0.1);
    }
    vi.advanceTimersByTime(MIN_BATCH_INTERVAL_MS);
    const seconds = 1 + MIN_BATCH_INTERVAL_MS / 1_000;
    expect(posts.length).toBeLessThanOrEqual((seconds * 1_000) / MIN_BATCH_INTERVAL_MS + 1);
    expect(total().lines + total().dropped).toBe(10_000);
    // A burst of 1,000 and 1,000 a second after it.
    expect(total().lines).toBeLessThanOrEqual(2_000);
  });

  it('posts a line written after a quiet spell at the end of its turn', () => {
    const { sink, posts } = makeSink();
    sink.write(line(1));
    vi.advanceTimersByTime(0);
    sink.write(line(2));
    vi.advanceTimersByTime(0);
    // Within the interval of the last batch: held until it has passed.
    expect(posts).toHaveLength(1);
    vi.advanceTimersByTime(MIN_BATCH_INTERVAL_MS);
    expect(posts).toHaveLength(2);
    vi.advanceTimersByTime(1_000);
    sink.write(line(3));
    vi.advanceTimersByTime(0);
    expect(posts).toHaveLength(3);
  });

  it('cuts a line over maxLineChars, in the sink, at its own level', () => {
    const { sink, posts } = makeSink();
    sink.write(`{"level":50,"msg":"${'x'.repeat(500)}"}\n`);
    vi.advanceTimersByTime(0);
    const record = JSON.parse(posts[0]?.lines[0] ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({ level: 50, msg: 'a log line of 522 characters was cut to 100' });
    expect(record['cut']).toHaveLength(100);
  });
});

describe('cutLine', () => {
  it('leaves a line of maxLineChars whole', () => {
    const whole = 'x'.repeat(100);
    expect(cutLine(whole, 100)).toBe(whole);
  });

  it('cuts a line that is not pino JSON at level warn', () => {
    expect(JSON.parse(cutLine('y'.repeat(101), 100))).toMatchObject({ level: 40 });
  });
});

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
