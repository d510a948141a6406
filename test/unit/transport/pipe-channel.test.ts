import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Lease } from '../../../src/transport/lease.js';
import { PipeCallClient } from '../../../src/transport/pipe-call-client.js';
import { PipeChannel, type PipeListeners } from '../../../src/transport/pipe-channel.js';
import { PIPE_HEADER_BYTES, PipeKind } from '../../../src/transport/pipe-frames.js';
import { Frame } from '../../../src/transport/wire.js';
import { codes } from '../../../src/errors.js';
import { rejection } from '../../support/rejection.js';

/** Two sockets joined back to back, as the two ends of a plugin's pipe. */
function socketPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const end = (other: number): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        ends[other]?.push(chunk);
        done();
      },
    });
  ends.push(end(1), end(0));
  return [ends[0] as Duplex, ends[1] as Duplex];
}

/** Listeners that record what one end hears. */
function heard() {
  const seen: { what: string; value: unknown }[] = [];
  const listeners: PipeListeners = {
    control: (value) => seen.push({ what: 'control', value }),
    data: (value) => seen.push({ what: 'data', value }),
    bytes: (id, value) => seen.push({ what: 'bytes', value: [id, [...value]] }),
    beat: () => seen.push({ what: 'beat', value: undefined }),
    violation: (detail) => seen.push({ what: 'violation', value: detail }),
  };
  return { seen, listeners };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A raw frame, as a hostile plugin might write it. */
function rawFrame(kind: number, body: Uint8Array): Buffer {
  const header = Buffer.alloc(PIPE_HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  header[4] = kind;
  return Buffer.concat([header, body]);
}

describe('PipeChannel', () => {
  it('carries control messages, data frames, byte results and beats, in order', async () => {
    const [hostSide, pluginSide] = socketPair();
    const host = heard();
    new PipeChannel(hostSide, 1 << 20, host.listeners);
    const plugin = new PipeChannel(pluginSide, 1 << 20, heard().listeners);
    plugin.sendControl({ type: 'READY', protocol: 4 });
    plugin.send([Frame.RESULT, 1, { items: [{ a: 1 }, { a: 2 }], when: new Map([['k', 1]]) }]);
    plugin.sendBytes(2, Uint8Array.of(1, 2, 3));
    plugin.beat();
    await settle();
    expect(host.seen).toEqual([
      { what: 'control', value: { type: 'READY', protocol: 4 } },
      {
        what: 'data',
        value: [Frame.RESULT, 1, { items: [{ a: 1 }, { a: 2 }], when: new Map([['k', 1]]) }],
      },
      { what: 'bytes', value: [2, [1, 2, 3]] },
      { what: 'beat', value: undefined },
    ]);
  });

  it('refuses to send what the value model refuses, and sends nothing for it', async () => {
    const [hostSide, pluginSide] = socketPair();
    const host = heard();
    new PipeChannel(hostSide, 1 << 20, host.listeners);
    const plugin = new PipeChannel(pluginSide, 1 << 20, heard().listeners);
    expect(() => plugin.send([Frame.RESULT, 1, { run: () => 1 }])).toThrow(
      expect.objectContaining({ code: codes.UNENCODABLE }),
    );
    plugin.send([Frame.RESULT, 2, 'next']);
    await settle();
    expect(host.seen).toEqual([{ what: 'data', value: [Frame.RESULT, 2, 'next'] }]);
  });

  it.each([
    ['a frame that does not decode', rawFrame(PipeKind.DATA, Uint8Array.of(0x92, 0x01))],
    ['a byte result without its call id', rawFrame(PipeKind.BYTES, Uint8Array.of(1, 2))],
    ['a frame of unknown kind 9', rawFrame(9, Uint8Array.of())],
  ])('tells of %s once, and reads nothing after it', async (detail, bytes) => {
    const [hostSide, pluginSide] = socketPair();
    const host = heard();
    new PipeChannel(hostSide, 1 << 20, host.listeners);
    pluginSide.write(bytes);
    pluginSide.write(rawFrame(PipeKind.BEAT, Uint8Array.of()));
    await settle();
    expect(host.seen).toEqual([{ what: 'violation', value: detail }]);
  });
});

describe('PipeCallClient', () => {
  function joined() {
    const [hostSide, pluginSide] = socketPair();
    const violations: string[] = [];
    const client = new PipeCallClient({
      plugin: 'p',
      onViolation: (detail) => violations.push(detail),
    });
    client.attach(
      new PipeChannel(hostSide, 1 << 20, {
        ...heard().listeners,
        data: (frame) => client.takeFrame(frame),
        bytes: (id, bytes) => client.takeBytes(id, bytes),
      }),
    );
    const calls: unknown[] = [];
    const plugin = new PipeChannel(pluginSide, 1 << 20, {
      ...heard().listeners,
      data: (frame) => calls.push(frame),
    });
    return { client, plugin, calls, violations };
  }

  it('settles each call once, from its answer, and drops an answer for a call it does not have', async () => {
    const { client, plugin, calls } = joined();
    const first = client.call('kv', 'get', ['a']);
    const second = client.call('kv', 'get', ['b'], { zeroCopy: true });
    const third = client.call('kv', 'get', ['c']);
    await settle();
    expect(calls).toEqual([
      [Frame.CALL, 1, 'kv', 'get', ['a']],
      [Frame.CALL, 2, 'kv', 'get', ['b']],
      [Frame.CALL, 3, 'kv', 'get', ['c']],
    ]);
    plugin.send([Frame.RESULT, 99, 'nobody asked']);
    plugin.send([Frame.RESULT, 1, 'A']);
    plugin.sendBytes(2, Uint8Array.of(7));
    plugin.send([Frame.FAILURE, 3, { name: 'Error', message: 'no c', code: codes.NOT_FOUND }]);
    plugin.send([Frame.RESULT, 1, 'again']);
    expect(await first).toBe('A');
    const lease = (await second) as Lease<Uint8Array>;
    expect(lease).toBeInstanceOf(Lease);
    expect([...lease.value]).toEqual([7]);
    expect(await rejection(third)).toMatchObject({ message: 'no c' });
    expect(client.inFlight).toBe(0);
  });

  it('tells of a frame the wire does not allow from a plugin', async () => {
    const { client, plugin, violations } = joined();
    void client.call('kv', 'get', ['a']).catch(() => {});
    plugin.send([Frame.CALL, 1, 'kv', 'get', []]);
    plugin.send([Frame.FAILURE, 1, 'not an error'] as never);
    await settle();
    expect(violations).toEqual([
      'a data frame of kind 1 from the plugin',
      'a data frame of kind 3 from the plugin',
    ]);
  });

  it('refuses calls once closed, and a timed-out call sends a cancel', async () => {
    const { client, calls } = joined();
    const timed = client.call('kv', 'slow', [], { timeoutMs: 5 });
    expect(await rejection(timed)).toMatchObject({ code: codes.CALL_TIMEOUT });
    await settle();
    expect(calls).toContainEqual([Frame.CANCEL, 1]);
    client.close();
    expect(await rejection(client.call('kv', 'get', []))).toMatchObject({
      code: codes.PLUGIN_NOT_RUNNING,
    });
  });
});
