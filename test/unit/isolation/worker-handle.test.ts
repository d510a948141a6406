import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import { createLivenessBuffer } from '../../../src/transport/heartbeat.js';
import { WIRE_VERSION } from '../../../src/transport/wire.js';
import { threadDialect, poolThreadDialect } from '../../../src/isolation/worker-dialects.js';
import type { WorkerEndpoint } from '../../../src/isolation/worker-endpoint.js';
import type { WorkerExit } from '../../../src/isolation/worker-errors.js';
import {
  WORKER_TRANSITIONS,
  WorkerHandle,
  WorkerState,
  type EndCause,
  type WorkerHandleOptions,
  type WorkerStateName,
} from '../../../src/isolation/worker-handle.js';
import { rejection } from '../../support/rejection.js';

/** An endpoint with no worker behind it: the test says what the worker says and does. */
class FakeEndpoint implements WorkerEndpoint {
  readonly posted: unknown[] = [];
  terminated = 0;
  #message: (value: unknown) => void = () => {};
  #exit: (exit: WorkerExit) => void = () => {};

  post(message: unknown): void {
    this.posted.push(message);
  }
  onMessage(listener: (value: unknown) => void): void {
    this.#message = listener;
  }
  onExit(listener: (exit: WorkerExit) => void): void {
    this.#exit = listener;
  }
  async terminate(): Promise<void> {
    this.terminated += 1;
  }
  /** The worker posts `value`. */
  say(value: unknown): void {
    this.#message(value);
  }
  /** The worker's thread ends. */
  exit(exit: WorkerExit): void {
    this.#exit(exit);
  }
}

interface Made {
  handle: WorkerHandle;
  endpoint: FakeEndpoint;
  ended: { code: string; cause: EndCause; from: WorkerStateName }[];
  states: string[];
}

function makeHandle(overrides: Partial<WorkerHandleOptions> = {}): Made {
  const endpoint = new FakeEndpoint();
  const ended: Made['ended'] = [];
  const states: string[] = [];
  const handle = new WorkerHandle({
    site: { plugin: 'p' },
    endpoint,
    dialect: threadDialect,
    wire: { name: 'wire', version: WIRE_VERSION },
    hangTimeoutMs: 100,
    liveness: createLivenessBuffer(),
    logger: pino({ level: 'silent' }),
    events: {
      loading: () => states.push('loading'),
      ready: () => states.push('ready'),
      failed: () => states.push('failed'),
      ended: (error, cause, from) => {
        states.push('ended');
        ended.push({ code: error.code, cause, from });
      },
    },
    ...overrides,
  });
  return { handle, endpoint, ended, states };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the worker handle state table', () => {
  it('is the drawn graph: spawned, loading, ready, failed, and ended as the only end', () => {
    expect(WORKER_TRANSITIONS).toEqual({
      spawned: ['loading', 'failed', 'ended'],
      loading: ['ready', 'failed', 'ended'],
      ready: ['ended'],
      failed: ['ended'],
      ended: [],
    });
    expect(Object.keys(WORKER_TRANSITIONS).sort()).toEqual(Object.values(WorkerState).sort());
  });

  it('every state can reach ended, and ended leads nowhere', () => {
    for (const state of Object.values(WorkerState)) {
      if (state !== WorkerState.ENDED) expect(WORKER_TRANSITIONS[state]).toContain('ended');
    }
  });
});

describe('a worker handle', () => {
  it('is ready after a handshake with the right wire version, one event per state', async () => {
    const { handle, endpoint, states } = makeHandle();
    expect(handle.state).toBe('spawned');
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION });
    await handle.whenReady;
    expect(handle.state).toBe('ready');
    expect(states).toEqual(['loading', 'ready']);
  });

  it('fails with BERTH_ERR_PROTOCOL_MISMATCH, naming both versions, on another wire version', async () => {
    const { handle, endpoint, states } = makeHandle();
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION + 1 });
    expect(await rejection(handle.whenReady)).toMatchObject({
      code: codes.PROTOCOL_MISMATCH,
      data: { host: WIRE_VERSION, worker: WIRE_VERSION + 1 },
    });
    expect(handle.state).toBe('failed');
    expect(states).toEqual(['failed']);
  });

  it("fails with the plugin's own error when it cannot load", async () => {
    const { handle, endpoint } = makeHandle();
    const error = { name: 'BerthError', message: 'nope', code: codes.PLUGIN_LOAD };
    endpoint.say({ type: 'LOAD_FAILED', protocol: WIRE_VERSION, error });
    expect(await rejection(handle.whenReady)).toMatchObject({ code: codes.PLUGIN_LOAD });
    expect(handle.state).toBe('failed');
  });

  it('ends with BERTH_ERR_PLUGIN_CRASHED when the worker exits before it is ready', async () => {
    const { handle, endpoint, ended } = makeHandle();
    endpoint.exit({ code: 1 });
    expect(await rejection(handle.whenReady)).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      data: { exitCode: 1 },
    });
    expect(ended).toEqual([{ code: codes.PLUGIN_CRASHED, cause: 'exit', from: 'spawned' }]);
    await expect(handle.exited).resolves.toEqual({ code: 1 });
  });

  it('ends with BERTH_ERR_PLUGIN_CRASHED when a ready worker exits, rejecting its requests', async () => {
    const { handle, endpoint, ended } = makeHandle();
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION });
    const reply = handle.request('health', []);
    const thrown = new Error('boom');
    endpoint.exit({ code: 7, error: thrown });
    expect(await rejection(reply)).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      cause: thrown,
      data: { exitCode: 7 },
    });
    expect(ended).toEqual([{ code: codes.PLUGIN_CRASHED, cause: 'exit', from: 'ready' }]);
    expect(handle.state).toBe('ended');
    expect(await rejection(handle.request('health', []))).toMatchObject({
      code: codes.PLUGIN_CRASHED,
    });
  });

  it('names the signal of a worker a signal ended (a child process)', () => {
    const { handle, endpoint } = makeHandle();
    endpoint.exit({ code: null, signal: 'SIGKILL' });
    expect(handle.endError).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      data: { exitCode: null, signal: 'SIGKILL' },
    });
  });

  it('ends with BERTH_ERR_PLUGIN_OOM when the worker reported running out of heap', () => {
    const { endpoint, ended } = makeHandle();
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION });
    const oom = Object.assign(new Error('heap'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    endpoint.exit({ code: 1, error: oom });
    expect(ended).toEqual([{ code: codes.PLUGIN_OOM, cause: 'exit', from: 'ready' }]);
  });

  it('ends with BERTH_ERR_PLUGIN_HUNG and terminates the worker when its heartbeat stalls', () => {
    vi.useFakeTimers();
    const { endpoint, ended } = makeHandle();
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION });
    vi.advanceTimersByTime(500);
    expect(ended).toEqual([{ code: codes.PLUGIN_HUNG, cause: 'hang', from: 'ready' }]);
    expect(endpoint.terminated).toBe(1);
    // The exit that follows changes nothing: the handle has ended once.
    endpoint.exit({ code: 1 });
    expect(ended).toHaveLength(1);
  });

  it('does not watch the heartbeat before the worker is ready', () => {
    vi.useFakeTimers();
    const { handle } = makeHandle();
    vi.advanceTimersByTime(500);
    expect(handle.state).toBe('spawned');
  });

  it('answers a control request with the reply of the same id', async () => {
    const { handle, endpoint } = makeHandle();
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION });
    const reply = handle.request('health', []);
    expect(endpoint.posted).toEqual([{ type: 'CONTROL', id: 1, op: 'health', args: [] }]);
    endpoint.say({ type: 'CONTROL_RESULT', id: 1, ok: true, value: { ok: true } });
    await expect(reply).resolves.toEqual({ ok: true });
  });

  it.each([
    ['a message that is not one', 'garbage'],
    ['a second handshake', { type: 'READY', protocol: WIRE_VERSION }],
    ['a reply to a request never sent', { type: 'CONTROL_RESULT', id: 9, ok: true, value: 1 }],
  ])('ends with BERTH_ERR_PROTOCOL and terminates the worker on %s', (_, message) => {
    const { handle, endpoint, ended } = makeHandle();
    endpoint.say({ type: 'READY', protocol: WIRE_VERSION });
    endpoint.say(message);
    expect(ended).toEqual([{ code: codes.PROTOCOL, cause: 'violation', from: 'ready' }]);
    expect(endpoint.terminated).toBe(1);
    expect(handle.state).toBe('ended');
  });

  it('ends with BERTH_ERR_PROTOCOL a worker that floods its control port', () => {
    const { endpoint, ended } = makeHandle({ maxMessagesPerSecond: 3 });
    for (let i = 0; i < 5; i += 1) endpoint.say({ type: 'LOGS', lines: [], dropped: 0 });
    expect(ended).toEqual([{ code: codes.PROTOCOL, cause: 'violation', from: 'spawned' }]);
  });

  it('ended by the host, tells its owner so, and settles what waits', async () => {
    const { handle, ended } = makeHandle();
    const reply = handle.request('health', []);
    handle.end(new BerthError(codes.PLUGIN_NOT_RUNNING, 'stopped'));
    expect(await rejection(reply)).toMatchObject({ code: codes.PLUGIN_NOT_RUNNING });
    expect(ended).toEqual([{ code: codes.PLUGIN_NOT_RUNNING, cause: 'host', from: 'spawned' }]);
  });
});

describe('a pool thread handle', () => {
  const liveness = new SharedArrayBuffer(8);
  const poolHandle = (): Made =>
    makeHandle({
      site: { plugin: 'p', threadId: 3 },
      dialect: poolThreadDialect(3, liveness.byteLength),
      wire: { name: 'pool wire', version: 9 },
      liveness: undefined,
      loadTimeoutMs: 100,
    });

  it('loads between HELLO and THREAD_READY, which brings its liveness buffer', async () => {
    const { handle, endpoint, states } = poolHandle();
    endpoint.say({ type: 'HELLO', protocol: 9, threadId: 3 });
    expect(handle.state).toBe('loading');
    endpoint.say({ type: 'THREAD_READY', threadId: 3, methods: { s: ['m'] }, liveness });
    await handle.whenReady;
    expect(handle.liveness).toBe(liveness);
    expect(states).toEqual(['loading', 'ready']);
  });

  it('fails with BERTH_ERR_START_FAILED when it does not load in time, and ignores a late THREAD_READY', async () => {
    vi.useFakeTimers();
    const { handle, endpoint } = poolHandle();
    const ready = rejection(handle.whenReady);
    endpoint.say({ type: 'HELLO', protocol: 9, threadId: 3 });
    vi.advanceTimersByTime(150);
    expect(handle.state).toBe('failed');
    expect(await ready).toMatchObject({ code: codes.START_FAILED });
    endpoint.say({ type: 'THREAD_READY', threadId: 3, methods: {}, liveness });
    expect(handle.state).toBe('failed');
  });

  it('addresses its requests to its own thread', () => {
    const { handle, endpoint } = poolHandle();
    void handle.request('health', []).catch(() => {});
    expect(endpoint.posted).toEqual([
      { type: 'REQUEST', requestId: 1, threadId: 3, op: 'health', args: [] },
    ]);
  });

  it('names the thread in its crash', () => {
    const { handle, endpoint } = poolHandle();
    endpoint.exit({ code: 1 });
    expect(handle.endError).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      data: { exitCode: 1, threadId: 3 },
    });
  });
});
