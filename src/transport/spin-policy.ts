/**
 * How long one side of the data plane watches for the other before it sleeps on the
 * doorbell, learned as it goes. A watch that catches the next frame saves a wake-up, the
 * largest cost of a round trip on an idle machine; but when cores are scarce the watch
 * takes the core the other side needs, and a sleeping side costs nothing. Measured with
 * two busy threads on two cores: a 50 µs watch on both sides gave a tiny call a p50 of
 * 163 µs at 598 µs of CPU per call, no watch 47 µs at 184 µs.
 *
 * What it learns from, all of it seen by the side itself:
 *
 *   found(waited)    the watch caught the next frame after `waited` µs: keep (or widen
 *                    to twice that) the window
 *   missed()         the window ran out: halve it; under MIN_US it closes (0) for
 *                    PROBE_MS, then opens whole again, as a probe
 *   woke(rangAt)     asleep, woken by the other side's doorbell, rung `answered` µs
 *                    after this side went to sleep: had the watch lasted that long it
 *                    would have caught the frame, so a closed window opens again (to
 *                    twice that) when `answered` is within the longest watch. The wake-up
 *                    itself is left out: it is the machine's, not the other side's, and
 *                    on a virtual machine it often takes longer than the longest watch
 *                    (counted in, it kept a side that had stopped watching asleep for good)
 *   preempted()      the watch lost its core (two looks at the clock far apart): the
 *                    machine may be busy, so no watching for a cool-down, then a whole
 *                    window again, as a probe. The cool-down starts short and doubles
 *                    with each loss in a row, up to MAX_COOLDOWN_MS; a watch that ends
 *                    with its core (found, missed) makes it short again. One lost core
 *                    says little: an idle virtual machine loses its core for 60 µs to
 *                    1.4 ms several times a second (measured here: ten times in 1.5 s),
 *                    and a fixed 50 ms cool-down put a third of a quiet run's calls on
 *                    the slow path of sleeping; under real contention the losses come
 *                    one after the other and the cool-down soon reaches its longest.
 */
import { performance } from 'node:perf_hooks';
import { monotonicMs } from './monotonic-clock.js';

/** The narrowest window worth opening, µs. */
const MIN_US = 4;
/**
 * How long a window that closed stays closed, ms, before one whole watch as a probe. The
 * other side may have become quick again without this side seeing it: both asleep, each
 * answer waits for two wake-ups, and on a slow-waking machine neither side's answer ever
 * came within a watch (measured here: a whole run stuck at a p50 of 41 µs where 13 was
 * usual). A probe when nothing comes costs one window per PROBE_MS: 0.25% of a core.
 */
const PROBE_MS = 20;
/** How long a side that lost its core while watching does not watch, at first and at most, ms. */
const MIN_COOLDOWN_MS = 2;
const MAX_COOLDOWN_MS = 50;
/**
 * Two looks at the clock this far apart (ms) in a watch that does nothing else mean the
 * thread was descheduled: a look takes well under a microsecond.
 */
export const PREEMPTED_MS = 0.05;

/** One side's watch window. */
export class SpinPolicy {
  #windowUs: number;
  #quietFrom = 0;
  #cooldownMs = MIN_COOLDOWN_MS;
  /** When a closed window opens again as a probe. */
  #probeAt = 0;
  /** When this side went to sleep (monotonic-clock.ts), or NaN while it is awake. */
  #sleptAt = Number.NaN;

  /** `maxUs`: the longest watch (0: never watch). */
  constructor(private readonly maxUs: number) {
    this.#windowUs = maxUs;
  }

  /** How long to watch now, µs; 0: sleep at once. */
  windowUs(now = performance.now()): number {
    if (now < this.#quietFrom) return 0;
    if (this.#windowUs === 0 && now >= this.#probeAt) this.#windowUs = this.maxUs;
    return this.#windowUs;
  }

  /** The watch caught the next frame after `waitedUs`, and kept its core. */
  found(waitedUs: number): void {
    this.#cooldownMs = MIN_COOLDOWN_MS;
    this.#widen(waitedUs);
  }

  /** The window ran out before anything came; the watch kept its core. */
  missed(now = performance.now()): void {
    this.#cooldownMs = MIN_COOLDOWN_MS;
    const halved = this.#windowUs / 2;
    this.#windowUs = halved < MIN_US ? 0 : halved;
    if (this.#windowUs === 0) this.#probeAt = now + PROBE_MS;
  }

  #widen(waitedUs: number): void {
    this.#windowUs = Math.min(this.maxUs, Math.max(this.#windowUs, 2 * waitedUs, MIN_US));
  }

  /** This side goes to sleep on the doorbell now (`at`: monotonic-clock.ts). */
  sleeping(at = monotonicMs()): void {
    this.#sleptAt = at;
  }

  /** True between {@link sleeping} and {@link woke}. */
  get asleep(): boolean {
    return !Number.isNaN(this.#sleptAt);
  }

  /**
   * Woken; `rangAt` is when the other side rang the doorbell (the ring's RANG_AT, which
   * that side wrote: a hint, never trusted further). A ring from before the sleep means
   * the frame was there already (no real sleep); a time that is not a number, or from
   * the future, teaches nothing.
   */
  woke(rangAt: number, now = performance.now(), wokeAt = monotonicMs()): void {
    const sleptAt = this.#sleptAt;
    this.#sleptAt = Number.NaN;
    if (now < this.#quietFrom || !(rangAt <= wokeAt)) return;
    const answeredUs = Math.max(0, (rangAt - sleptAt) * 1000);
    if (answeredUs <= this.maxUs) this.#widen(answeredUs);
  }

  /**
   * The watch lost its core: the machine may be busy. No watching for the cool-down
   * (doubled for the next loss in a row); then a whole window again, as a probe: on a
   * machine still busy it loses its core again at once, which costs one window per
   * cool-down.
   */
  preempted(now = performance.now()): void {
    this.#windowUs = this.maxUs;
    this.#quietFrom = now + this.#cooldownMs;
    this.#cooldownMs = Math.min(MAX_COOLDOWN_MS, 2 * this.#cooldownMs);
  }
}
