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
 *   missed()         the window ran out: halve it; under MIN_US it closes (0)
 *   woke(slept)      asleep, woken after `slept` µs: had the watch lasted that long it
 *                    would have caught it, so a closed window opens again (to twice that)
 *                    when `slept` is within the longest watch
 *   preempted()      the watch lost its core (two looks at the clock far apart): the
 *                    machine is busy, so no watching for COOLDOWN_MS, then a whole
 *                    window again, as a probe
 */
import { performance } from 'node:perf_hooks';

/** The narrowest window worth opening, µs. */
const MIN_US = 4;
/** What a wake-up on the doorbell itself takes, at most, µs. */
const WAKE_US = 50;
/** How long a side that lost its core while watching does not watch, ms. */
const COOLDOWN_MS = 50;
/**
 * Two looks at the clock this far apart (ms) in a watch that does nothing else mean the
 * thread was descheduled: a look takes well under a microsecond.
 */
export const PREEMPTED_MS = 0.05;

/** One side's watch window. */
export class SpinPolicy {
  #windowUs: number;
  #quietFrom = 0;

  /** `maxUs`: the longest watch (0: never watch). */
  constructor(private readonly maxUs: number) {
    this.#windowUs = maxUs;
  }

  /** How long to watch now, µs; 0: sleep at once. */
  windowUs(now = performance.now()): number {
    return now < this.#quietFrom ? 0 : this.#windowUs;
  }

  /** The watch caught the next frame after `waitedUs`. */
  found(waitedUs: number): void {
    this.#windowUs = Math.min(this.maxUs, Math.max(this.#windowUs, 2 * waitedUs, MIN_US));
  }

  /** The window ran out before anything came. */
  missed(): void {
    const halved = this.#windowUs / 2;
    this.#windowUs = halved < MIN_US ? 0 : halved;
  }

  /**
   * Woken after sleeping `sleptUs`, which counts the wake-up itself (tens of µs): within
   * the longest watch and that, a watch would have caught what woke it.
   */
  woke(sleptUs: number, now = performance.now()): void {
    if (now < this.#quietFrom || sleptUs > this.maxUs + WAKE_US) return;
    this.found(Math.min(sleptUs, this.maxUs));
  }

  /**
   * The watch lost its core: the machine is busy. No watching for COOLDOWN_MS; then a
   * whole window again, as a probe: on a machine still busy it loses its core again at
   * once, which costs one window per cool-down.
   */
  preempted(now = performance.now()): void {
    this.#windowUs = this.maxUs;
    this.#quietFrom = now + COOLDOWN_MS;
  }
}
