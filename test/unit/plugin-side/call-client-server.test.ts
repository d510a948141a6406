// The data plane's two ends, client (host) and server (plugin side), joined in one thread
// by their shared buffers and a MessageChannel: no worker, so each settle is observed.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import {
  serveCalls,
  type CallServer,
  type Dispatch,
} from '../../../src/plugin-side/call-server.js';
import { createCallClient, type CallClient } from '../../../src/transport/call-client.js';
import type { Lease } from '../../../src/transport/lease.js';
import { ArenaWriter } from '../../../src/transport/result-arena.js';
import { createSharedBuffers } from '../../../src/transport/shared-layout.js';
import { rejection } from '../../support/rejection.js';

const opened: { client: CallClient; server: CallServer }[] = [];
afterEach(() => {
  for (const { client, server } of opened.splice(0)) {
    client.close();
    server.close();
  }
});

function connect(dispatch: Dispatch): { client: CallClient; server: CallServer } {
  const buffers = createSharedBuffers(1 << 16, 1 << 18);
  const { port1, port2 } = new MessageChannel();
  const client = createCallClient({ buffers, port: port1, plugin: 'p' });
  const server = serveCalls({ buffers, port: port2, spinUs: 0 }, dispatch);
  const pair = { client, server };
  opened.push(pair);
  return pair;
}

/** A method that never answers, and the signals it was called with. */
function hanging(): { dispatch: Dispatch; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    signals,
    dispatch: (_service, _method, _args, source) => {
      signals.push(source.signal);
      return new Promise(() => {});
    },
  };
}

const aborted = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });

describe('the call client and the call server', () => {
  it('run a method on the server and settle the call with its answer', async () => {
    // A method may answer at once or with a promise: the server takes both paths.
    const { client } = connect((service, method, args) =>
      method === 'later'
        ? new Promise((resolve) => setTimeout(() => resolve({ later: args }), 5))
        : { service, method, args },
    );
    await expect(client.call('s', 'm', [1, 'two'])).resolves.toEqual({
      service: 's',
      method: 'm',
      args: [1, 'two'],
    });
    await expect(client.call('s', 'later', [3])).resolves.toEqual({ later: [3] });
    expect(client.inFlight).toBe(0);
  });

  it('carry a thrown BerthError across with its code, and a plain Error with its name', async () => {
    const { client } = connect((_service, method) => {
      if (method === 'berth') throw new BerthError(codes.REVISION_CONFLICT, 'stale');
      return Promise.reject(new RangeError('out of range'));
    });
    expect(await rejection(client.call('s', 'berth', []))).toMatchObject({
      code: codes.REVISION_CONFLICT,
      message: 'stale',
    });
    expect(await rejection(client.call('s', 'plain', []))).toMatchObject({
      name: 'RangeError',
      message: 'out of range',
    });
  });

  it('settle a call once on abort, cancelling it on the server, and drop its late answer', async () => {
    let answer: (value: unknown) => void = () => {};
    const signals: AbortSignal[] = [];
    const { client } = connect((_s, method, _a, source) => {
      if (method === 'echo') return 'still serving';
      signals.push(source.signal);
      return new Promise((resolve) => (answer = resolve));
    });
    const controller = new AbortController();
    const call = client.call('s', 'slow', [], { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await rejection(call)).toMatchObject({ code: codes.CALL_ABORTED });
    expect(client.inFlight).toBe(0);
    await aborted(signals[0]);
    answer('too late');
    await expect(client.call('s', 'echo', [])).resolves.toBe('still serving');
  });

  it('refuse a call whose signal has already fired, without sending it', async () => {
    const sent: string[] = [];
    const { client } = connect((_s, method) => sent.push(method));
    expect(
      await rejection(client.call('s', 'm', [], { signal: AbortSignal.abort() })),
    ).toMatchObject({ code: codes.CALL_ABORTED });
    expect(sent).toEqual([]);
  });

  it('settle a call once at its deadline, cancelling it on the server', async () => {
    const { dispatch, signals } = hanging();
    const { client } = connect(dispatch);
    expect(await rejection(client.call('s', 'm', [], { timeoutMs: 30 }))).toMatchObject({
      code: codes.CALL_TIMEOUT,
      data: { timeoutMs: 30 },
    });
    await aborted(signals[0]);
    expect(client.inFlight).toBe(0);
  });

  it('settle every call in flight when the channel ends, and refuse new ones', async () => {
    const { dispatch } = hanging();
    const { client } = connect(dispatch);
    const calls = [client.call('s', 'a', []), client.call('s', 'b', [])];
    await new Promise((resolve) => setTimeout(resolve, 10));
    const gone = new BerthError(codes.PLUGIN_CRASHED, 'its worker exited');
    client.rejectAll(() => gone);
    client.close();
    for (const call of calls) expect(await rejection(call)).toBe(gone);
    await expect(client.whenIdle()).resolves.toBeUndefined();
    expect(await rejection(client.call('s', 'c', []))).toMatchObject({
      code: codes.PLUGIN_NOT_RUNNING,
    });
  });

  it('fail a call whose arguments cannot be encoded, before anything is sent', async () => {
    const { client } = connect(() => 'sent');
    expect(await rejection(client.call('s', 'm', [() => 1]))).toMatchObject({
      code: codes.UNENCODABLE,
    });
    await expect(client.call('s', 'm', [])).resolves.toBe('sent');
  });

  it('fail only the call whose result cannot be encoded; the server keeps serving', async () => {
    const { client } = connect((_s, method) => (method === 'bad' ? { f: () => 1 } : 'fine'));
    expect(await rejection(client.call('s', 'bad', []))).toMatchObject({
      code: codes.UNENCODABLE,
      service: 's',
      method: 'bad',
    });
    await expect(client.call('s', 'good', [])).resolves.toBe('fine');
  });

  it('abort the signals of the calls a server is running when it closes', async () => {
    const { dispatch, signals } = hanging();
    const { client, server } = connect(dispatch);
    void client.call('s', 'm', []).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.close();
    await aborted(signals[0]);
    expect(signals[0]?.reason).toMatchObject({ code: codes.PLUGIN_NOT_RUNNING });
  });

  it('send a result written into a lent view from where it was written: nothing copies it into the arena', async () => {
    const put = vi.spyOn(ArenaWriter.prototype, 'put');
    try {
      let lentAt = -1;
      const { client } = connect((_service, method, args, source) => {
        const out = source.resultBytes(args[0] as number);
        lentAt = out.byteOffset;
        out.fill(7);
        return method === 'prefix' ? out.subarray(0, 50_000) : out;
      });
      for (const [method, size, sent] of [
        ['whole', 100_000, 100_000],
        ['prefix', 100_000, 50_000],
      ] as const) {
        const lease = (await client.call('s', method, [size], {
          zeroCopy: true,
        })) as Lease<Uint8Array>;
        expect(lease.value.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(lease.value.byteOffset).toBe(lentAt);
        expect(lease.value.byteLength).toBe(sent);
        expect(lease.value.every((byte) => byte === 7)).toBe(true);
        lease.release();
      }
      expect(put).not.toHaveBeenCalled();
      expect(client.stats.arenaBytesInUse).toBe(0);
    } finally {
      put.mockRestore();
    }
  });
});
