import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import { createGate } from '../../../src/supervisor/gate.js';

/** What `promise` settled with, once it has. */
async function outcome(promise: Promise<void>): Promise<{ ok: true } | { error: unknown }> {
  try {
    await promise;
    return { ok: true };
  } catch (error) {
    return { error };
  }
}

describe('the restart gate', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts closed and unsettled, and lets a wait through once opened, clearing its timer', async () => {
    const gate = createGate();
    expect(gate.settled).toBe(false);
    const waiting = outcome(gate.wait(1_000));
    await vi.advanceTimersByTimeAsync(999);
    gate.open();
    expect(gate.settled).toBe(true);
    expect(await waiting).toEqual({ ok: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets every later wait through at once once open', async () => {
    const gate = createGate();
    gate.open();
    await expect(gate.wait(0)).resolves.toBeUndefined();
    await expect(gate.wait(10)).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects every wait, present and future, with the error it failed with', async () => {
    const gate = createGate();
    const failure = new BerthError(codes.HOST_CLOSED, 'closed');
    const before = outcome(gate.wait(1_000));
    gate.fail(failure);
    expect(gate.settled).toBe(true);
    expect(await before).toEqual({ error: failure });
    expect(await outcome(gate.wait(1_000))).toEqual({ error: failure });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('settles once: what comes first, opening or failing, stays', async () => {
    const opened = createGate();
    opened.open();
    opened.fail(new BerthError(codes.HOST_CLOSED, 'closed'));
    expect(await outcome(opened.wait(10))).toEqual({ ok: true });

    const failed = createGate();
    const failure = new BerthError(codes.HOST_CLOSED, 'closed');
    failed.fail(failure);
    failed.open();
    expect(await outcome(failed.wait(10))).toEqual({ error: failure });
  });

  it('rejects a wait with BERTH_ERR_CALL_TIMEOUT after its deadline, and not before', async () => {
    const gate = createGate();
    let settled = false;
    const waiting = outcome(gate.wait(500)).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiting).toEqual({ error: expect.objectContaining({ code: codes.CALL_TIMEOUT }) });
    // The gate itself is untouched: a later wait still goes through when it opens.
    expect(gate.settled).toBe(false);
    const next = gate.wait(500);
    gate.open();
    await expect(next).resolves.toBeUndefined();
  });

  it.each([2 ** 31, 2 ** 40])(
    'keeps a wait of %i ms, longer than one Node timer can run, pending until its deadline',
    async (ms) => {
      const gate = createGate();
      let settled = false;
      const waiting = outcome(gate.wait(ms)).finally(() => (settled = true));
      // A Node timer of more than 2^31 - 1 ms fires after 1 ms instead.
      await vi.advanceTimersByTimeAsync(2 ** 31 - 1);
      expect(settled).toBe(false);
      gate.open();
      expect(await waiting).toEqual({ ok: true });
      expect(vi.getTimerCount()).toBe(0);

      // And times out at its deadline, not before.
      let timedOut = false;
      const late = outcome(createGate().wait(ms)).finally(() => (timedOut = true));
      await vi.advanceTimersByTimeAsync(ms - 1);
      expect(timedOut).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await late).toEqual({ error: expect.objectContaining({ code: codes.CALL_TIMEOUT }) });
    },
  );

  it.each([0, -5])(
    'times a wait of %i ms out on the next timer turn when the gate is closed',
    async (ms) => {
      const closed = createGate();
      const waiting = outcome(closed.wait(ms));
      await vi.advanceTimersByTimeAsync(0);
      expect(await waiting).toEqual({
        error: expect.objectContaining({ code: codes.CALL_TIMEOUT }),
      });
    },
  );

  it('rejects a wait with BERTH_ERR_CALL_ABORTED, the reason as cause, when its signal aborts', async () => {
    const gate = createGate();
    const controller = new AbortController();
    const waiting = outcome(gate.wait(10_000, controller.signal));
    const reason = new Error('the caller went away');
    controller.abort(reason);
    const result = await waiting;
    expect(result).toEqual({ error: expect.objectContaining({ code: codes.CALL_ABORTED }) });
    expect((result as { error: Error }).error.cause).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects a wait on a signal already aborted at once', async () => {
    const gate = createGate();
    const signal = AbortSignal.abort('no');
    expect(await outcome(gate.wait(10_000, signal))).toEqual({
      error: expect.objectContaining({ code: codes.CALL_ABORTED, cause: 'no' }),
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets go of the signal and the timer once a wait is over, however it ended', async () => {
    const gate = createGate();
    const controller = new AbortController();
    const timedOut = outcome(gate.wait(100, controller.signal));
    const opened = outcome(gate.wait(10_000, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(await timedOut).toEqual({
      error: expect.objectContaining({ code: codes.CALL_TIMEOUT }),
    });
    gate.open();
    expect(await opened).toEqual({ ok: true });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    // Aborting later reaches nobody.
    controller.abort();
  });
});

describe('the restart gate, on real timers', () => {
  it('may fail with nobody waiting, without an unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      createGate().fail(new BerthError(codes.HOST_CLOSED, 'closed'));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
  });
});
