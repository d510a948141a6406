/**
 * Faults in pool isolation. A thread that dies or hangs takes only the calls it was
 * running: they reject with a typed error at once, the other thread keeps serving, and
 * piscina replaces the dead one, which starts the plugin anew; the supervisor hears of
 * it only when the threads keep dying.
 */
import { describe, expect, it } from 'vitest';
import { codes, isBerthError } from '../../src/index.js';
import {
  POOL_PLUGIN,
  POOL_THREADS,
  usePoolHosts,
  type PoolHost,
} from '../integration/pool-host.js';
import { timed } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const HANG_TIMEOUT_MS = 500;

/** Waits until `count` threads have started the plugin (replacements included). */
async function startedThreads(pool: PoolHost, count: number): Promise<void> {
  await expect
    .poll(async () => (await pool.faults().lifecycle()).started.length, { timeout: 5_000 })
    .toBe(count);
}

const restartsOf = (pool: PoolHost): number | undefined =>
  pool.host.plugins().find((p) => p.name === POOL_PLUGIN)?.restarts;

describe('a pool thread that dies or hangs', () => {
  const start = usePoolHosts();

  it('exits mid-call: that call rejects with BERTH_ERR_PLUGIN_CRASHED, the other thread keeps serving, a new thread replaces it', async () => {
    const pool = await start();
    const faults = pool.faults();
    // One thread holds a slow call; the least busy thread, the other one, takes the exit.
    const slow = faults.slow(400);
    const { value: error, ms } = await timed(() => rejection(faults.exit(7)));
    expect(error).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      plugin: POOL_PLUGIN,
      service: 'faults',
      method: 'exit',
      data: { exitCode: 7 },
    });
    expect(ms).toBeLessThan(2_000);
    expect(await slow).toBeTypeOf('number');
    expect(await faults.ping()).toBeTypeOf('number');
    await startedThreads(pool, POOL_THREADS + 1);
    // Contained in the pool: no restart of the plugin.
    expect(pool.events.map((e) => e.event)).not.toContain('plugin:crashed');
    expect(restartsOf(pool)).toBe(0);
  });

  it('throws from a timer mid-call: that call rejects with BERTH_ERR_PLUGIN_CRASHED carrying the error', async () => {
    const pool = await start();
    const faults = pool.faults();
    const slow = faults.slow(400);
    const error = await rejection(faults.throwInTimer());
    expect(error).toMatchObject({ code: codes.PLUGIN_CRASHED, method: 'throwInTimer' });
    expect(JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause))).toContain(
      'thrown from a timer',
    );
    expect(await slow).toBeTypeOf('number');
    await startedThreads(pool, POOL_THREADS + 1);
  });

  it('throws from a timer between calls: no call fails, and the pool replaces the thread', async () => {
    const pool = await start();
    const faults = pool.faults();
    expect(await faults.throwLater()).toBeTypeOf('number');
    await startedThreads(pool, POOL_THREADS + 1);
    const answers = await Promise.all([1, 2, 3, 4].map(() => faults.slow(50)));
    expect(new Set(answers).size).toBe(POOL_THREADS);
    expect(restartsOf(pool)).toBe(0);
  });

  it('runs out of heap: that call rejects with BERTH_ERR_PLUGIN_OOM, and the pool serves on', async () => {
    // Near its limit the heap collects so often that the loop may miss beats: a long
    // hang limit keeps this about memory.
    const pool = await start({ hangTimeoutMs: 10_000 });
    const faults = pool.faults();
    const { value: error, ms } = await timed(() => rejection(faults.leak()));
    expect(error).toMatchObject({ code: codes.PLUGIN_OOM, plugin: POOL_PLUGIN, method: 'leak' });
    // 32 MB of old generation (plugin.json) fills in well under this.
    expect(ms).toBeLessThan(5_000);
    expect(await faults.ping()).toBeTypeOf('number');
    await startedThreads(pool, POOL_THREADS + 1);
  });

  it('blocks its loop: found hung by its heartbeat, that call rejects with BERTH_ERR_PLUGIN_HUNG and the thread alone is replaced', async () => {
    const pool = await start({ hangTimeoutMs: HANG_TIMEOUT_MS });
    const faults = pool.faults();
    const slow = faults.slow(300);
    const { value: error, ms } = await timed(() => rejection(faults.spin()));
    expect(error).toMatchObject({
      code: codes.PLUGIN_HUNG,
      plugin: POOL_PLUGIN,
      method: 'spin',
      data: { hangTimeoutMs: HANG_TIMEOUT_MS },
    });
    expect(ms).toBeLessThan(HANG_TIMEOUT_MS + 2_000);
    expect(await slow).toBeTypeOf('number');
    await startedThreads(pool, POOL_THREADS + 1);
    expect(restartsOf(pool)).toBe(0);
  });

  it('retries an idempotent call whose thread died under it once, on a live thread', async () => {
    const pool = await start();
    // `retried` ends its thread the first time and answers the second.
    expect(await pool.faults().retried('once')).toBeTypeOf('number');
    expect(restartsOf(pool)).toBe(0);
  });

  it('gives the pool up to the supervisor when its threads keep dying, which restarts the plugin', async () => {
    const pool = await start();
    const faults = pool.faults();
    // Five deaths within the window (the supervisor's default restart budget).
    for (let death = 1; death <= 5; death += 1) {
      expect(await rejection(faults.exit(death))).toMatchObject({ code: codes.PLUGIN_CRASHED });
    }
    expect(await pool.waitFor('plugin:crashed')).toMatchObject({ code: codes.PLUGIN_CRASHED });
    expect(await pool.waitFor('plugin:restarted')).toMatchObject({ restarts: 1 });
    expect(await faults.ping()).toBeTypeOf('number');
  });
});

describe('a pool call that ends early', () => {
  const start = usePoolHosts();

  it('rejects with BERTH_ERR_CALL_TIMEOUT at its deadline, and the plugin sees its signal abort', async () => {
    const pool = await start();
    const { value: error, ms } = await timed(() =>
      rejection(pool.faults({ timeoutMs: 200 }).waitForAbort('timed out')),
    );
    expect(error).toMatchObject({ code: codes.CALL_TIMEOUT, method: 'waitForAbort' });
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(2_200);
    await expect
      .poll(() => pool.faults().abortsSeen())
      .toEqual([{ tag: 'timed out', reasonCode: codes.CALL_ABORTED }]);
  });

  it("rejects with BERTH_ERR_CALL_ABORTED when the caller's signal fires, and the plugin sees it", async () => {
    const pool = await start();
    const controller = new AbortController();
    const call = rejection(pool.faults({ signal: controller.signal }).waitForAbort('aborted'));
    // Aborted only once a thread runs it: a task still queued in the pool is dropped
    // before any plugin code sees it, which is right, but not what this test is about.
    await expect.poll(() => pool.faults().waitsStarted(), { timeout: 5_000 }).toEqual(['aborted']);
    controller.abort();
    expect(await call).toMatchObject({ code: codes.CALL_ABORTED, method: 'waitForAbort' });
    await expect
      .poll(() => pool.faults().abortsSeen())
      .toEqual([{ tag: 'aborted', reasonCode: codes.CALL_ABORTED }]);
  });

  it('does not hold up close() past its deadlines with a call that never answers', async () => {
    const stopTimeoutMs = 200;
    const pool = await start({ stopTimeoutMs });
    const call = rejection(pool.faults().throwInTimer());
    const never = rejection(pool.faults().waitForAbort('at close'));
    await expect
      .poll(() => pool.host.plugins().find((p) => p.name === POOL_PLUGIN)?.inFlight)
      .toBeGreaterThan(0);
    const { ms } = await timed(() => pool.host.close());
    expect(ms).toBeLessThan(3 * stopTimeoutMs + 2_000);
    expect(isBerthError(await call)).toBe(true);
    expect(isBerthError(await never)).toBe(true);
  });

  it('replaces a thread that holds calls its callers gave up on, so the pool never wedges', async () => {
    const pool = await start();
    // Each thread runs 16 calls at once: 64 calls that never settle fill every slot and
    // queue the rest. They time out; the threads holding them are replaced a grace
    // (hangTimeoutMs) after, and calls are served again.
    const abandoned = pool.faults({ timeoutMs: 100 });
    const outcomes = await Promise.all(
      Array.from({ length: 64 }, () => rejection(abandoned.never())),
    );
    expect(new Set(outcomes.map((e) => e.code))).toEqual(new Set([codes.CALL_TIMEOUT]));
    const faults = pool.faults({ timeoutMs: 5_000 });
    expect(await faults.ping()).toBeTypeOf('number');
    await startedThreads(pool, POOL_THREADS * 2);
    expect(pool.host.plugins().find((p) => p.name === POOL_PLUGIN)).toMatchObject({
      state: 'running',
      inFlight: 0,
    });
    expect(await Promise.all(Array.from({ length: 40 }, () => faults.ping()))).toHaveLength(40);
  });

  it.each([
    ['null', null],
    ['a message of unknown type', { type: 'NOPE', threadId: 1 }],
    ['log lines that are not strings', { type: 'LOGS', lines: [1, 2], dropped: 0 }],
  ])(
    'shuts the pool down with BERTH_ERR_PROTOCOL when a thread posts %s, and restarts it',
    async (_what, message) => {
      const pool = await start();
      const faults = pool.faults();
      const slow = faults.slow(5_000).catch((error: { code?: string }) => error.code);
      await faults.post(message).catch(() => undefined);
      expect(await pool.waitFor('plugin:crashed')).toMatchObject({ code: codes.PROTOCOL });
      expect(await slow).toBe(codes.PROTOCOL);
      await pool.waitFor('plugin:restarted');
      expect(await faults.ping()).toBeTypeOf('number');
    },
  );
});
